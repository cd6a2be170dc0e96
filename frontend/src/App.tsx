import { lazy, Suspense } from "react";
import { BrowserRouter, Route, Routes, useParams } from "react-router";
import { Layout } from "./components/Layout";
import { Loading } from "./components/States";
import { ApiKeys } from "./pages/ApiKeys";
import { CustomerDetail } from "./pages/CustomerDetail";
import { Customers } from "./pages/Customers";
import { Dashboard } from "./pages/Dashboard";
import { Events } from "./pages/Events";
import { NotFound } from "./pages/NotFound";
import { Segments } from "./pages/Segments";
import { Tasks } from "./pages/Tasks";
import { TeamBlocks } from "./pages/TeamBlocks";
import { Workflows } from "./pages/Workflows";
import { editorDataStart } from "./workflow/load";

// The canvas (@xyflow/react, @rjsf, ajv) is its own chunk: the other pages load without it.
const WorkflowEditor = lazy(() => import("./workflow/Editor").then((m) => ({ default: m.WorkflowEditor })));

/** Starts the editor's API requests alongside the download of its chunk. */
function EditorRoute() {
  const { id } = useParams();
  if (id) editorDataStart(id);
  return (
    <Suspense fallback={<Loading label="Loading the editor…" />}>
      <WorkflowEditor />
    </Suspense>
  );
}

// One route per screen.
export function App({ username }: { username: string }) {
  return (
    <BrowserRouter>
      <Routes>
        <Route element={<Layout username={username} />}>
          <Route index element={<Dashboard />} />
          <Route path="workflows" element={<Workflows />} />
          <Route path="workflows/:id" element={<EditorRoute />} />
          <Route path="customers" element={<Customers />} />
          <Route path="customers/:externalId" element={<CustomerDetail />} />
          <Route path="events" element={<Events />} />
          <Route path="segments" element={<Segments />} />
          <Route path="tasks" element={<Tasks />} />
          <Route path="team-blocks" element={<TeamBlocks />} />
          <Route path="api-keys" element={<ApiKeys />} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
