// What a block does, in one or two short lines on its card (n8n's subtitle, Braze's step
// summary): "When feedback.submitted" / "score ≤ 6", "Wait 3 days", the SMS text. Pure:
// tested in summary.test.ts. A block missing a required setting is "not set up".
import type { CatalogEntry } from "../api/types";
import { i18n, t } from "../i18n";
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

type SummaryLine = CatalogEntry["summary"][number];
type SummaryWhen = SummaryLine["when"][number];
type Settings = Record<string, unknown>;

/** A setting that says something: not missing, null, "", false, 0, [] or {}. */
function hasValue(value: unknown): boolean {
  if (value === undefined || value === null || value === "" || value === false || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  return typeof value !== "object" || Object.keys(value).length > 0;
}

function holds(when: SummaryWhen, c: Settings): boolean {
  const value = c[when.field];
  switch (when.op) {
    case "eq": return value === when.value;
    case "ne": return value !== when.value;
    case "set": return hasValue(value);
    case "unset": return !hasValue(value);
    case "lt": return Number(value) < Number(when.value);
    case "gt": return Number(value) > Number(when.value);
    default: return false;
  }
}

/** How many: a list's length, else a number's absolute value. */
function countOf(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  const number = Math.abs(Number(value));
  return Number.isFinite(number) ? number : 0;
}

type Branch = { name?: string; percent?: number };

/** A setting in words by the formatter a block's summary names (blocks/base.py SummaryLine). */
function formatted(value: unknown, formatter: string, argument: string): string {
  if (!hasValue(value)) return "";
  switch (formatter) {
    case "duration": return durationWords(String(value));
    case "condition": return conditionWords(value as Condition);
    case "branches":
      return (Array.isArray(value) ? (value as Branch[]) : []).map((b) => (b.percent !== undefined ? `${b.name} ${b.percent} %` : b.name)).filter(Boolean).join(" · ");
    case "host": return String(value).replace(/^https?:\/\//, "").split("/")[0];
    case "abs": return countOf(value) ? String(countOf(value)) : "";
    case "count": return countOf(value) ? String(countOf(value)) : "";
    case "channel": return t(`channel.${String(value)}`, { defaultValue: String(value) });
    case "keys": return typeof value === "object" ? Object.keys(value as object).join(", ") : "";
    case "list": return (Array.isArray(value) ? value : [value]).map((item) => `${argument}${String(item)}`).join(", ");
    default: return typeof value === "object" ? "" : String(value);
  }
}

const PLACEHOLDER = /\{([^{}|]+)(?:\|([^{}:]+)(?::([^{}]*))?)?\}/g;

/** A summary text with its placeholders filled in; "" when one of them has no value. */
function fillIn(text: string, c: Settings, values: Record<string, string>): string {
  let empty = false;
  const filled = text.replace(PLACEHOLDER, (_match, field: string, formatter = "", argument = "") => {
    const words = formatted(field in values ? values[field] : c[field], formatter, argument);
    if (!words) empty = true;
    return words;
  });
  return empty ? "" : filled;
}

function lineWords(line: SummaryLine, c: Settings): string {
  if (!line.when.every((when) => holds(when, c))) return "";
  if (line.parts.length) return line.parts.map((part) => fillIn(part, c, line.values)).filter(Boolean).join(", ");
  let text = line.text;
  if (line.forms) {
    const category = new Intl.PluralRules(i18n.language).select(countOf(c[line.count]));
    text = line.forms[category] ?? line.forms.other ?? text;
  }
  return fillIn(text, c, line.values);
}

/** One or two lines saying what the block does with its settings, as its catalog entry
 * declares them (`summary`): the first two lines whose conditions hold and whose settings
 * are filled in. */
export function blockSummary(entry: CatalogEntry | undefined, config: Config): string[] {
  const c = effectiveConfig(entry, config);
  return (entry?.summary ?? []).map((line) => lineWords(line, c)).filter((line) => line.trim() !== "").map(clip).slice(0, 2);
}
