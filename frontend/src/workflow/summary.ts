// What a block does, in one or two short lines on its card (n8n's subtitle, Braze's step
// summary): "When feedback.submitted" / "score ≤ 6", "Wait 3 days", the SMS text. Pure:
// tested in summary.test.ts. A block missing a required setting is "not set up".
import type { CatalogEntry } from "../api/types";
import { t } from "../i18n";
import { durationSplit } from "../lib/duration";
import type { Config } from "./graph";

const MAX_LINE = 48;
const SYMBOLS: Record<string, string> = { eq: "=", ne: "≠", lt: "<", lte: "≤", gt: ">", gte: "≥" };
const WORDED_OPS = new Set(["in", "not_in", "contains", "exists", "not_exists", "within_last", "before"]);

/** An operator as a symbol or in words ("is one of"); one this build does not know stays as sent. */
function opWords(op: string): string {
  if (op in SYMBOLS) return SYMBOLS[op];
  return WORDED_OPS.has(op) ? t(`canvas.ops.${op}`) : op;
}

type Leaf = { field?: string; op?: string; value?: unknown };
type Condition = { all?: Condition[]; any?: Condition[]; not?: Condition } & Leaf;

/** The event types of the webhook trigger's helpdesk presets (blocks/triggers/webhook.py). */
const WEBHOOK_PRESET_EVENTS: Record<string, string> = {
  zendesk_ticket_solved: "helpdesk.ticket_solved", freshdesk_ticket_resolved: "helpdesk.ticket_solved",
  zendesk_satisfaction_rated: "helpdesk.csat_answered", freshdesk_csat_answered: "helpdesk.csat_answered",
};

/** The settings the block runs with: the schema's defaults under what was set. */
export function effectiveConfig(entry: CatalogEntry | undefined, config: Config): Config {
  const properties = (entry?.config_schema as { properties?: Record<string, { default?: unknown }> } | undefined)?.properties ?? {};
  const defaults = Object.fromEntries(Object.entries(properties).filter(([, p]) => p.default !== undefined && p.default !== null).map(([k, p]) => [k, p.default]));
  return { ...defaults, ...config };
}

/** Required settings that are still empty: the card asks to set the block up. */
export function missingSettings(entry: CatalogEntry | undefined, config: Config): string[] {
  const required = (entry?.config_schema as { required?: string[] } | undefined)?.required ?? [];
  return required.filter((key) => {
    const value = config[key];
    if (value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0)) return true;
    // A condition without rules ({"all": []}) is a condition not written yet.
    const rules = value as { all?: unknown[]; any?: unknown[] };
    return typeof value === "object" && Object.keys(value).length > 0 && Object.keys(value).every((k) => k === "all" || k === "any")
      && [rules.all, rules.any].every((list) => !list || list.length === 0);
  });
}

function fieldWords(field: string): string {
  return field.replace(/^event\.properties\.|^customer\.attributes\.|^customer\.|^event\./, "").replace(/[._]/g, " ");
}

function valueWords(value: unknown): string {
  if (Array.isArray(value)) return value.map(valueWords).join(", ");
  if (typeof value === "string" && /^\d+[wdhm]$/.test(value)) return durationWords(value);
  return value === undefined || value === null ? "" : String(value);
}

/** "score ≤ 6 and plan = pro" (nested groups are counted, not spelled out). */
export function conditionWords(condition: Condition | null | undefined): string {
  if (!condition) return "";
  if (condition.not) return t("summary.not", { condition: conditionWords(condition.not) });
  const rules = condition.all ?? condition.any;
  if (rules) {
    const joiner = condition.any ? ` ${t("summary.or")} ` : ` ${t("summary.and")} `;
    return rules.map((rule) => (rule.all || rule.any ? t("summary.group") : conditionWords(rule))).filter(Boolean).join(joiner);
  }
  if (!condition.field) return "";
  return [fieldWords(condition.field), condition.op ? opWords(condition.op) : undefined, valueWords(condition.value)].filter(Boolean).join(" ");
}

/** "2d" -> "2 days", "1d12h" -> "36 hours". */
export function durationWords(text: string): string {
  const { amount, unit } = durationSplit(text);
  return amount === null ? text : t(`summary.unit_${unit}`, { count: amount });
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  if (line.length <= MAX_LINE) return line;
  const cut = line.slice(0, MAX_LINE - 1);
  const space = cut.lastIndexOf(" ");
  return `${space > MAX_LINE * 0.6 ? cut.slice(0, space).replace(/[,;:]$/, "") : cut}…`;
}

/** One or two lines saying what the block does with its settings. */
export function blockSummary(type: string, entry: CatalogEntry | undefined, config: Config): string[] {
  const c = effectiveConfig(entry, config) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const lines: string[] = (() => {
    switch (type) {
      case "trigger.event":
        return [c.event_type && t("summary.when", { event: c.event_type }), conditionWords(c.condition)];
      case "trigger.segment":
        return [c.segment_id && t(c.on === "exited" ? "summary.segmentExited" : "summary.segmentEntered")];
      case "trigger.date":
        return [c.attribute && t("summary.date", { count: Math.abs(Number(c.offset_days) || 0), attribute: c.attribute, context: Number(c.offset_days) < 0 ? "before" : Number(c.offset_days) > 0 ? "after" : "on" }),
          c.at_local_time && t("summary.atLocal", { time: c.at_local_time })];
      case "trigger.inactivity":
        return [c.event_type && (c.mode === "fixed_days" && c.days ? t("summary.inactiveDays", { event: c.event_type, count: c.days }) : t("summary.inactiveRhythm", { event: c.event_type, k: c.multiplier }))];
      case "trigger.schedule":
        return [c.cron && t("summary.schedule", { cron: c.cron, zone: c.timezone })];
      case "trigger.webhook":
        return [t("summary.as", { event: WEBHOOK_PRESET_EVENTS[String(c.preset)] ?? c.event_type ?? "webhook.received" })];
      case "flow.filter":
        return [conditionWords(c.condition)];
      case "flow.wait_for_event":
        return [c.event_type && t("summary.waitFor", { event: c.event_type }), c.timeout && t("summary.giveUp", { duration: durationWords(c.timeout) })];
      case "flow.branch":
      case "flow.split":
        return [(Array.isArray(c.branches) ? c.branches : []).map((b: { name?: string; percent?: number }) => (b.percent !== undefined ? `${b.name} ${b.percent} %` : b.name)).filter(Boolean).join(" · "),
          c.holdout_percent ? t("summary.holdout", { percent: c.holdout_percent }) : ""];
      case "flow.wait":
        if (c.mode === "until_date") return [c.attribute && t("summary.untilDate", { attribute: c.attribute }), c.at_local_time && t("summary.atLocal", { time: c.at_local_time })];
        if (c.mode === "until_time") return [c.at_local_time && t("summary.untilTime", { time: c.at_local_time })];
        return [c.duration && t("summary.wait", { duration: durationWords(c.duration) })];
      case "flow.exit":
        return [c.reason && c.reason !== "exit" ? c.reason : ""];
      case "action.send_sms":
        return [c.body];
      case "action.send_email":
        return [c.subject];
      case "action.create_task":
        return [c.title, c.due_in && t("summary.due", { duration: durationWords(c.due_in) })];
      case "action.call":
        return c.mode === "message"
          ? [c.text, c.menu && t("summary.callMenu")]
          : [c.agent_number && t("summary.callBridge", { number: c.agent_number })];
      case "action.http_request":
        return [c.url && `${c.method ?? "POST"} ${String(c.url).replace(/^https?:\/\//, "").split("/")[0]}`];
      case "action.offer":
        return [c.value !== undefined && t(c.kind === "amount" ? "summary.offerAmount" : "summary.offerPercent", { value: c.value, currency: c.currency ?? "" })];
      case "action.exit_survey":
        return [t("summary.exitSurvey", { channel: t(`channel.${c.channel === "sms" ? "sms" : "email"}`) }),
          Array.isArray(c.reasons) && c.reasons.length ? t("summary.exitReasons", { count: c.reasons.length }) : t("summary.exitReasonsAll")];
      case "action.update_customer":
        return [[...(c.add_tags ?? []).map((tag: string) => `+${tag}`), ...(c.remove_tags ?? []).map((tag: string) => `−${tag}`), ...Object.keys(c.set_attributes ?? {})].join(", ")];
      default:
        return [];
    }
  })();
  return lines.filter((line): line is string => typeof line === "string" && line.trim() !== "").map(clip).slice(0, 2);
}
