// A run's steps as a story: "Bad feedback — started the run", "Did they reply? — waits for
// message.replied until Tue, Dec 8, 09:14", "No opt-in: stop — left the workflow: no
// consent". Blocks by their titles, times in the viewer's time zone; ids, types and raw
// details stay behind a toggle. Pure: tested in stepStory.test.ts. Takes the live run's
// steps (engine outcomes: continue, wait, wait_event, resume, exit, fail, retry) and the
// dry run's (Continue, WaitUntil, WaitForEvent, Exit, Fail) alike.
import { t } from "../i18n";
import { portLabel } from "./ports";
import { callReasonWords } from "./outcomes";

export type StoryStep = { node: string; type: string; outcome: string; port?: string | null; detail?: unknown };
type Format = (iso: string) => string;

const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?/g;

/** ISO times inside a text, in the viewer's words ("2026-12-08T09:14:00+00:00" -> "Dec 8, 2026, 09:14 AM"). */
export function localTimes(text: string, format: Format): string {
  return text.replace(ISO, (iso) => format(iso));
}

function field(detail: unknown, key: string): string | undefined {
  if (detail && typeof detail === "object" && key in detail) {
    const value = (detail as Record<string, unknown>)[key];
    return value === null || value === undefined ? undefined : String(value);
  }
  return undefined;
}

function portWords(port: string | null | undefined): string {
  return port && port !== "out" ? t("story.by", { port: portLabel(port) }) : "";
}

/** One step as a sentence (without the block's title). */
export function stepSentence(step: StoryStep, format: Format): string {
  const text = typeof step.detail === "string" ? localTimes(step.detail, format) : "";
  const category = step.type.split(".")[0];
  switch (step.outcome.toLowerCase()) {
    case "continue":
      if (category === "trigger") return t("story.started");
      if (step.port === "not_called") return t("story.notCalled", { reason: callReasonWords(field(step.detail, "reason")) }).replace(/: $/, "");
      return [t("story.done"), portWords(step.port)].filter(Boolean).join("");
    case "wait":
    case "waituntil": {
      const until = field(step.detail, "until");
      return until ? t("story.waitsUntil", { time: format(until) }) : text || t("story.waits");
    }
    case "wait_event":
    case "waitforevent": {
      const event = field(step.detail, "event_type");
      const until = field(step.detail, "timeout_at");
      if (event && until) return t("story.waitsFor", { event, time: format(until) });
      return [text, portWords(step.port)].filter(Boolean).join("") || t("story.waits");
    }
    case "resume":
      return [field(step.detail, "event_id") ? t("story.happened") : t("story.timeUp"), portWords(step.port)].filter(Boolean).join("");
    case "exit": {
      const reason = field(step.detail, "reason") ?? text;
      return reason && reason !== "exit" ? t("story.leftBecause", { reason: reason.replace(/_/g, " ") }) : t("story.left");
    }
    case "fail":
      return t("story.failed", { error: text || field(step.detail, "error") || "" }).replace(/: $/, "");
    case "retry": {
      const at = field(step.detail, "retry_at");
      return at ? t("story.retryAt", { time: format(at) }) : t("story.retry");
    }
    default:
      return step.outcome.replace(/_/g, " ");
  }
}
