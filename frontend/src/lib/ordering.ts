// Sortable list columns: the API's `ordering` parameter ("-clv" = highest first).

export type SortState = { field: string; descending: boolean } | null;

export function sortState(ordering: string): SortState {
  if (!ordering) return null;
  return { field: ordering.replace(/^-/, ""), descending: ordering.startsWith("-") };
}

/** A click on a column: highest first at once (what a score column is opened for), then
 * lowest first, then highest first again. */
export function nextOrdering(ordering: string, field: string): string {
  return ordering === `-${field}` ? field : `-${field}`;
}

export function ariaSort(ordering: string, field: string): "ascending" | "descending" | "none" {
  const state = sortState(ordering);
  if (!state || state.field !== field) return "none";
  return state.descending ? "descending" : "ascending";
}
