// The body of POST /workflows/{id}/dry-run from the drawer's form: the customer, the event,
// what the customer does afterwards ("then the customer does …") and the time to walk at.
import { t } from "../i18n";
import { entryFor, type Catalog } from "./graph";

export type LaterEventRow = { type: string; properties: string };

export type DryRunBody = {
  customer_id: string;
  event?: { type: string; properties: Record<string, unknown> };
  later_events?: { type: string; properties: Record<string, unknown> }[];
  now?: string;
};

/** A JSON object from a text field ("" is {}); the error names the field. */
export function jsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text.trim() || "{}");
  } catch {
    throw new Error(t("canvas.runs.notJson", { what }));
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error(t("canvas.runs.notObject", { what }));
  return value as Record<string, unknown>;
}

/** A datetime-local value ("2026-03-01T08:00", the browser's time zone) as ISO 8601. */
export function localToIso(local: string): string | undefined {
  if (!local) return undefined;
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

export function dryRunBody(form: { customer: string; eventType: string; properties: string; later: LaterEventRow[]; asOf: string }): DryRunBody {
  const body: DryRunBody = { customer_id: form.customer };
  if (form.eventType) body.event = { type: form.eventType, properties: jsonObject(form.properties, t("canvas.runs.eventProperties")) };
  const later = form.later.filter((row) => row.type.trim());
  if (later.length) {
    body.later_events = later.map((row, i) => ({ type: row.type.trim(), properties: jsonObject(row.properties, t("canvas.runs.laterProperties", { number: i + 1 })) }));
  }
  const now = localToIso(form.asOf);
  if (now) body.now = now;
  return body;
}

type GraphNode = { data: { type: string; version?: number; config: Record<string, unknown> } };

/** Event types the graph waits for (suggested for "then the customer does …"): the
 * setting each waiting block names in its catalog entry (`awaits`). */
export function awaitedEventTypes(nodes: GraphNode[], catalog: Catalog): string[] {
  const types = new Set<string>();
  for (const n of nodes) {
    const field = entryFor(catalog, n.data)?.awaits;
    const value = field ? n.data.config[field] : undefined;
    if (typeof value === "string" && value) types.add(value);
  }
  return [...types].sort();
}

/** The event type that starts the graph: the first event trigger's (catalog `trigger.kind`
 * "event"), its `listens_to` template filled in from its settings; "" when none. */
export function triggerEventType(nodes: GraphNode[], catalog: Catalog): string {
  for (const n of nodes) {
    const trigger = entryFor(catalog, n.data)?.trigger;
    if (trigger?.kind !== "event" || !trigger.listens_to) continue;
    let missing = false;
    const type = trigger.listens_to.replace(/\{(\w+)\}/g, (_match, field: string) => {
      const value = n.data.config[field];
      if (typeof value !== "string" || !value) missing = true;
      return typeof value === "string" ? value : "";
    });
    if (!missing) return type;
  }
  return "";
}
