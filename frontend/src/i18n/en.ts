// The English message catalog: every sentence a person reads on the canvas. Keys group by
// where the words appear; `_one` / `_other` are i18next's plural forms; {{x}} fills in.
export const en = {
  channel: { sms: "SMS", email: "e-mail" },
  outcome: {
    sent_one: "{{count}} sent",
    sent_other: "{{count}} sent",
    delivered_one: "{{count}} delivered",
    delivered_other: "{{count}} delivered",
    pending_one: "{{count}} waiting to go out",
    pending_other: "{{count}} waiting to go out",
    suppressed_one: "{{count}} not sent: {{reason}}",
    suppressed_other: "{{count}} not sent: {{reason}}",
    deferred_one: "{{count}} held back: {{reason}}",
    deferred_other: "{{count}} held back: {{reason}}",
    failed_one: "{{count}} failed",
    failed_other: "{{count}} failed",
    none: "Nothing sent yet",
    title: "What became of this block's messages",
  },
  // Why a guardrail stopped or held back a message, as a count's reason…
  reason: {
    no_consent: "no {{channel}} consent",
    stale_consent: "{{channel}} consent too old",
    no_address_sms: "no phone number",
    no_address_email: "no e-mail address",
    suppression_list: "on the do-not-contact list",
    frequency_cap: "too many messages lately",
    quiet_hours: "quiet hours",
    customer_erased: "customer data erased",
    unknown: "{{reason}}",
  },
  // …and as a sentence about one customer.
  person: {
    no_consent: "{{name}} has no {{channel}} consent",
    stale_consent: "{{name}}'s {{channel}} consent is too old",
    no_address_sms: "{{name}} has no phone number",
    no_address_email: "{{name}} has no e-mail address",
    suppression_list: "{{name}} is on the do-not-contact list",
    frequency_cap: "{{name}} has had too many messages lately",
    customer_erased: "{{name}}'s data was erased",
    unknown: "{{reason}}",
  },
  dryRun: {
    wouldSend: "Would send the {{channel}} to {{name}}",
    wouldNotSend: "Would not send: {{sentence}}",
    wouldDefer: "Would wait for the end of quiet hours and send at {{time}}",
  },
  step: {
    notSent: "not sent: {{reason}}",
    heldBack: "held back: {{reason}}",
    sent: "sent",
    queued: "waiting to go out",
    failed: "failed",
  },
  live: {
    entered: "Runs that reached this block",
    waiting: "Runs waiting here",
    countsLabel: "Live counts",
  },
};
export type Catalog = typeof en;
