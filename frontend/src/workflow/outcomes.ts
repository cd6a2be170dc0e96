// What became of messages, in words: the counts on a message block, a dry run's verdict
// and a live run's step. Leaving a send block by `out` only means the message was asked
// for; the guardrails may still have stopped it (STOP, no consent, quiet hours…), and a
// person must never read that as sent.
import type { CatalogEntry, NodeCounts } from "../api/types";
import { t } from "../i18n";

export type MessageOutcome = NodeCounts["messages"][number];
export type Channel = "sms" | "email";
export type Verdict = { customer?: string; channel: Channel | "call"; action: "send" | "suppress" | "defer"; reason: string; until: string | null };
export type StepStatus = { tone: "sent" | "not-sent" | "held" | "failed"; text: string };

/** The channel a block sends on, as its catalog entry declares it (`channel`: "sms",
 * "email", or "field:<name>" when a setting names it, its default when unset); null for
 * blocks that send no message. */
export function messageChannel(entry: Pick<CatalogEntry, "channel" | "config_schema"> | undefined, config?: Record<string, unknown>): Channel | null {
  const declared = entry?.channel ?? "";
  if (!declared.startsWith("field:")) return isChannel(declared) ? declared : null;
  const field = declared.slice("field:".length);
  const fallback = (entry?.config_schema as { properties?: Record<string, { default?: unknown }> } | undefined)?.properties?.[field]?.default;
  const value = config?.[field] ?? fallback;
  return isChannel(value) ? value : null;
}

function isChannel(value: unknown): value is Channel {
  return value === "sms" || value === "email";
}

/** A guardrail's reason code as words ("no SMS consent"). */
export function reasonWords(reason: string, channel: Channel): string {
  const name = t(`channel.${channel}`);
  if (reason === "no_address") return t(`reason.no_address_${channel}`);
  const key = `reason.${reason}`;
  return reason && key in flatKeys ? t(key, { channel: name }) : t("reason.unknown", { reason: reason.replace(/_/g, " ") });
}

function personWords(reason: string, channel: Channel, name: string): string {
  const channelName = t(`channel.${channel}`);
  if (reason === "no_address") return t(`person.no_address_${channel}`, { name });
  const key = `person.${reason}`;
  return key in flatKeys ? t(key, { name, channel: channelName }) : reason.replace(/_/g, " ");
}

const flatKeys: Record<string, true> = Object.fromEntries(
  ["no_consent", "stale_consent", "suppression_list", "frequency_cap", "quiet_hours", "customer_erased"]
    .flatMap((r) => [[`reason.${r}`, true], [`person.${r}`, true]]),
);

const ORDER: MessageOutcome["outcome"][] = ["sent", "delivered", "pending", "deferred", "suppressed", "failed"];

/** One line per outcome and reason, sent first: "2 sent", "1 not sent: no SMS consent". */
export function outcomeLines(messages: MessageOutcome[], channel: Channel): { tone: string; text: string }[] {
  return [...messages]
    .filter((m) => m.count > 0)
    .sort((a, b) => ORDER.indexOf(a.outcome) - ORDER.indexOf(b.outcome) || a.reason.localeCompare(b.reason))
    .map((m) => ({
      tone: m.outcome,
      text: t(`outcome.${m.outcome}`, { count: m.count, reason: reasonWords(m.reason, channel) }),
    }));
}

const CALL_REASONS = ["no_consent", "no_address", "suppression_list", "frequency_cap", "transactional_cap", "customer_erased"];

/** Why action.call placed no call, or held it back ("no consent to calls"). */
export function callReasonWords(reason: string | undefined): string {
  if (reason && CALL_REASONS.includes(reason)) return t(`callReason.${reason}`);
  return (reason ?? "").replace(/_/g, " ");
}

/** A dry run's verdict on a call (action.call): not called, held back to its calling
 * window (quiet hours, the queue's business hours), or called now. */
function callVerdictWords(verdict: Verdict, name: string | undefined, formatTime: (iso: string) => string): StepStatus & { sentence: string } {
  // Without a name the sentence is the short status (a fallback noun would need its case).
  if (verdict.action === "suppress") {
    const reason = callReasonWords(verdict.reason);
    const text = t("story.notCalled", { reason });
    return { tone: "not-sent", text, sentence: name ? t("dryRun.wouldNotCall", { name, reason }) : text };
  }
  if (verdict.action === "defer") {
    const time = verdict.until ? formatTime(verdict.until) : "";
    const text = t("step.callHeldBack", { time });
    return { tone: "held", text, sentence: name ? t("dryRun.wouldCallAt", { name, time }) : text };
  }
  const text = t("step.calls");
  return { tone: "sent", text, sentence: name ? t("dryRun.wouldCall", { name }) : text };
}

/** The dry run's verdict as a sentence, plus the short status shown beside the step. */
export function verdictWords(verdict: Verdict, formatTime: (iso: string) => string): StepStatus & { sentence: string } {
  // Without a name the sentences say no one's name (a fallback noun would need its case in German).
  const name = verdict.customer;
  const channelName = t(`channel.${verdict.channel}`);
  if (verdict.channel === "call") return callVerdictWords(verdict, name, formatTime);
  if (verdict.action === "suppress") {
    const reason = reasonWords(verdict.reason, verdict.channel);
    return {
      tone: "not-sent",
      text: t("step.notSent", { reason }),
      sentence: name
        ? t("dryRun.wouldNotSend", { sentence: personWords(verdict.reason, verdict.channel, name) })
        : t("canvas.verdict.notSent", { reason }),
    };
  }
  if (verdict.action === "defer") {
    return {
      tone: "held",
      text: t("step.heldBack", { reason: reasonWords(verdict.reason, verdict.channel) }),
      sentence: t("dryRun.wouldDefer", { time: verdict.until ? formatTime(verdict.until) : "" }),
    };
  }
  const sentence = name ? t("dryRun.wouldSend", { channel: channelName, name }) : t("canvas.verdict.send", { channel: channelName });
  return { tone: "sent", text: t("step.sent"), sentence };
}

/** A live run's message step from its detail ({status, reason}); null when it sent none. */
export function stepMessageStatus(entry: Pick<CatalogEntry, "channel" | "config_schema"> | undefined, detail: unknown): StepStatus | null {
  // A block whose setting names the channel (the exit survey) carries the SMS size in its
  // output when it went by SMS.
  const sms = !!detail && typeof detail === "object" && "sms" in detail;
  const field = entry?.channel.startsWith("field:") ? entry.channel.slice("field:".length) : "";
  const channel = messageChannel(entry, sms && field ? { [field]: "sms" } : undefined);
  if (!channel || !detail || typeof detail !== "object") return null;
  const { status, reason } = detail as { status?: string; reason?: string | null };
  if (!status) return null;
  const because = reasonWords(reason ?? "", channel);
  if (status === "suppressed") return { tone: "not-sent", text: t("step.notSent", { reason: because }) };
  if (status === "deferred") return { tone: "held", text: t("step.heldBack", { reason: because }) };
  if (status === "failed" || status === "bounced") return { tone: "failed", text: t("step.failed") };
  if (status === "queued" || status === "sending" || status === "reconcile") return { tone: "sent", text: t("step.queued") };
  return { tone: "sent", text: t("step.sent") };
}

/** A dry run's effect ("would do") as a line of words; its raw data stays behind a toggle. */
export function effectWords(effect: Record<string, unknown>): string {
  const text = (key: string) => (typeof effect[key] === "string" ? String(effect[key]) : "");
  switch (effect.type) {
    case "send_sms":
      return t("effect.sms", { body: text("body") });
    case "send_email":
      return t("effect.email", { subject: text("subject") });
    case "create_task":
      return t("effect.task", { title: text("title") });
    case "http_request":
      return t("effect.http", { method: text("method") || "POST", url: text("url") });
    case "update_customer":
      return t("effect.update");
    case "create_offer":
      return t("effect.offer");
    case "create_exit_survey":
      return t("effect.exitSurvey");
    case "place_call":
      return t("effect.call");
    default:
      return String(effect.type ?? "");
  }
}
