import { NavLink, Outlet } from "react-router";
import { csrfToken } from "../api/client";

const NAV = [
  { to: "/", label: "Dashboard", end: true },
  { to: "/customers", label: "Customers", end: false },
  { to: "/events", label: "Events", end: false },
];

/** The frame of every signed-in page: brand, navigation, who is signed in, sign-out. */
export function Layout({ username }: { username: string }) {
  return (
    <div className="shell">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <a className="brand" href="/"><span>Keep</span>flow</a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.end}>{item.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <a href="/api/docs/">API</a>
          {username && <span className="who" title="Signed in">{username}</span>}
          <form method="post" action="/logout/">
            <input type="hidden" name="csrfmiddlewaretoken" value={csrfToken()} />
            <button type="submit" className="link-button">Sign out</button>
          </form>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
