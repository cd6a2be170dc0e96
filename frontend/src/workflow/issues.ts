// Errors of a refused save (400: "graph.nodes.3.config.body") as node issues the canvas
// can show on the node and field they name.
import type { ApiFieldError } from "../api/types";
import type { ValidationIssue } from "../api/types";

export function saveErrorsToIssues(errors: ApiFieldError[], nodeIds: string[]): ValidationIssue[] {
  return errors.map((error) => {
    const match = /^graph\.nodes\.(\d+)(?:\.(.*))?$/.exec(error.field ?? "");
    if (match) {
      const node = nodeIds[Number(match[1])] ?? null;
      return { node, field: match[2] ?? "", code: error.code, message: error.message, path: error.field };
    }
    return { node: null, field: error.field ?? "", code: error.code, message: error.message, path: error.field ?? "" };
  });
}
