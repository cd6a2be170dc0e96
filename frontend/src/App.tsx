import { useEffect, useState } from "react";
import { createBrowserRouter, createRoutesFromElements, Route, RouterProvider, useParams } from "react-router";
import { Layout } from "./components/Layout";
import { ErrorMessage, Loading } from "./components/States";
import { t } from "./i18n";
import { editorLoad, editorLoaded } from "./prefetch";
import { ApiKeys } from "./pages/ApiKeys";
import { ChurnSettings } from "./pages/ChurnSettings";
import { CustomerDetail } from "./pages/CustomerDetail";
import { Customers } from "./pages/Customers";
import { Dashboard } from "./pages/Dashboard";
import { Events } from "./pages/Events";
import { ExitReasons } from "./pages/ExitReasons";
import { ExitReasonsSettings } from "./pages/ExitReasonsSettings";
import { NotFound } from "./pages/NotFound";
import { Segments } from "./pages/Segments";
import { TaskQueues } from "./pages/TaskQueues";
import { Tasks } from "./pages/Tasks";
import { TeamBlocks } from "./pages/TeamBlocks";
import { Workflows } from "./pages/Workflows";
import { editorDataStart } from "./workflow/load";

/** The editor (@xyflow/react; its own chunk, so the other pages load without it), started
 * with its API requests by ./prefetch on a direct load, or here when navigated to. Not
 * React.lazy: a Suspense fallback holds the editor back for at least 300 ms (React 19
 * throttles revealing a boundary), which the 1.5 s target cannot afford. */
function EditorRoute() {
  const { id } = useParams();
  if (id) editorDataStart(id);
  const [module, setModule] = useState(editorLoaded);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    if (module) return;
    let live = true;
    editorLoad().then((m) => { if (live) setModule(m); }, (e: Error) => { if (live) setError(e); });
    return () => { live = false; };
  }, [module, error]);
  if (error) return <ErrorMessage error={error} onRetry={() => { setError(null); }} />;
  if (!module) return <Loading label={t("shell.loadingEditor")} />;
  return <module.WorkflowEditor />;
}

// One route per screen. A data router (not <BrowserRouter>), so the editor can hold an
// in-app navigation while its draft has unsaved changes (useBlocker).
function routes(username: string) {
  return createRoutesFromElements(
    <Route element={<Layout username={username} />}>
      <Route index element={<Dashboard />} />
      <Route path="workflows" element={<Workflows />} />
      <Route path="workflows/:id" element={<EditorRoute />} />
      <Route path="customers" element={<Customers />} />
      <Route path="customers/:externalId" element={<CustomerDetail />} />
      <Route path="events" element={<Events />} />
      <Route path="segments" element={<Segments />} />
      <Route path="tasks" element={<Tasks />} />
      <Route path="exit-reasons" element={<ExitReasons />} />
      <Route path="exit-reasons/reasons" element={<ExitReasonsSettings />} />
      <Route path="team-blocks" element={<TeamBlocks />} />
      <Route path="api-keys" element={<ApiKeys />} />
      <Route path="settings/churn-score" element={<ChurnSettings />} />
      <Route path="settings/task-queues" element={<TaskQueues />} />
      <Route path="*" element={<NotFound />} />
    </Route>,
  );
}

export function App({ username }: { username: string }) {
  const [router] = useState(() => createBrowserRouter(routes(username)));
  return <RouterProvider router={router} />;
}
