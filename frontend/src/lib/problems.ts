// Server problems (validation issues, refused saves) in words a person can act on: the
// block by its title on the canvas, the field by its label in the form, and what to do,
// never "graph.nodes.1.config.body" or a code. Pure: tested in problems.test.ts.
import type { CatalogEntry, ValidationIssue } from "../api/types";
import { t } from "../i18n";

/** The label a field has in the block's form ("config.body" -> "Text"). */
export function fieldLabel(field: string, entry: CatalogEntry | undefined): string {
  const path = field.replace(/^config\.?/, "").split(".").filter(Boolean);
  if (!path.length) return "";
  let schema = entry?.config_schema as { properties?: Record<string, unknown>; title?: string } | undefined;
  const titles: string[] = [];
  for (const part of path) {
    const next = schema?.properties?.[part] as typeof schema;
    if (!next) break;
    if (next.title) titles.push(next.title);
    schema = next;
  }
  return titles.length ? titles.join(" › ") : humanize(path[path.length - 1]);
}

/** "re_entry.period_days" -> "Period days": the last part, as words. */
export function humanize(field: string): string {
  const last = field.split(".").filter((p) => !/^\d+$/.test(p)).pop() ?? "";
  const words = last.replace(/_/g, " ").trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : "";
}

const CODE_WORDS: Record<string, string> = {
  missing: "form.required",
  required: "form.required",
  string_too_short: "form.required",
  int_parsing: "form.number",
  int_type: "form.number",
  float_parsing: "form.number",
  enum: "form.enum",
  literal_error: "form.enum",
  unreachable: "problem.unreachable",
  no_trigger: "problem.noTrigger",
  cycle_without_wait: "problem.cycle",
  locked_field: "problem.locked",
};

/** What is wrong and how to fix it, as one sentence. */
export function problemWords(issue: Pick<ValidationIssue, "code" | "message">): string {
  const key = CODE_WORDS[issue.code ?? ""];
  if (key) return t(key);
  const text = (issue.message ?? "").trim();
  if (!text) return t("form.invalid");
  return /[.!?]$/.test(text) ? text.charAt(0).toUpperCase() + text.slice(1) : `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** "“Sorry SMS” · Text: Fill this in." (or without block / field where there is none). */
export function describeIssue(issue: ValidationIssue, block?: { title: string; entry?: CatalogEntry }): string {
  // Graph-level fields ("nodes", "edges.3.target") mean nothing to a person: left out.
  const field = issue.field && block ? fieldLabel(issue.field, block.entry) : "";
  const where = [block ? `“${block.title}”` : "", field].filter(Boolean).join(" · ");
  return where ? `${where}: ${problemWords(issue)}` : problemWords(issue);
}
