import { Link } from "react-router";

export function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>There is no page at <code>{location.pathname}</code>. <Link to="/">Back to the dashboard</Link>.</p>
    </>
  );
}
