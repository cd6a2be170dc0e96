// What the editor needs from the API, fetched while its code chunk is still downloading
// (App starts it on the route; the editor takes it). Kept free of editor imports so it
// stays in the main chunk.
import { api } from "../api/client";
import type { CatalogEntry, Customer, Page, TemplateVariable, WorkflowDetail } from "../api/types";

export type EditorData = {
  workflow: WorkflowDetail;
  entries: CatalogEntry[];
  variables: TemplateVariable[];
  customerId: string;
};

const pending = new Map<string, Promise<EditorData>>();

function load(id: string): Promise<EditorData> {
  return Promise.all([
    api.get<WorkflowDetail>(`workflows/${id}/`),
    api.get<CatalogEntry[]>("blocks"),
    api.get<TemplateVariable[]>("templates/variables").catch(() => [] as TemplateVariable[]),
    api.get<Page<Customer>>("customers/?page_size=1").catch(() => null),
  ]).then(([workflow, entries, variables, customers]) => ({
    workflow,
    entries,
    variables,
    customerId: customers?.results[0]?.external_id ?? "",
  }));
}

/** Start loading (once per id until taken). */
export function editorDataStart(id: string): void {
  if (!pending.has(id)) {
    const promise = load(id);
    promise.catch(() => undefined); // reported when taken
    pending.set(id, promise);
  }
}

/** The load started for `id`, or a new one; later calls load afresh. */
export function editorDataTake(id: string): Promise<EditorData> {
  const promise = pending.get(id) ?? load(id);
  pending.delete(id);
  return promise;
}
