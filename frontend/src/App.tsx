import { BrowserRouter, Route, Routes } from "react-router";
import { Layout } from "./components/Layout";
import { CustomerDetail } from "./pages/CustomerDetail";
import { Customers } from "./pages/Customers";
import { Dashboard } from "./pages/Dashboard";
import { Events } from "./pages/Events";
import { NotFound } from "./pages/NotFound";

// One route per screen; the workflow canvas (@xyflow/react) slots in as /workflows/*.
export function App({ username }: { username: string }) {
  return (
    <BrowserRouter>
      <Routes>
        <Route element={<Layout username={username} />}>
          <Route index element={<Dashboard />} />
          <Route path="customers" element={<Customers />} />
          <Route path="customers/:externalId" element={<CustomerDetail />} />
          <Route path="events" element={<Events />} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
