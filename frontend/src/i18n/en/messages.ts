// The English catalog's "messages" part (see ../README.md for which part holds what).
export const messages = {
  // The language tabs of a message block (workflow/VariantTabs.tsx).
  variants: {
    title: "Languages",
    default: "Default",
    defaultHint:
      "Customers whose language has no tab of its own get the texts above. Add a language to write its texts: the customer's locale picks them (de-AT falls back to de).",
    addLabel: "Add a language",
    addPlaceholder: "e.g. de, ru or de-AT",
    add: "Add",
    badLocale: "Write a language tag like de, ru or de-AT.",
    duplicate: "{{language}} already has a tab.",
    languageHint: "For customers with the locale {{tag}} ({{language}}). Empty fields keep the default text.",
    remove: "Remove {{language}}",
    smsSegments_one: "{{count}} SMS segment",
    smsSegments_other: "{{count}} SMS segments",
    smsSameCost: "costs the same as the default",
    smsMore_one: "{{count}} segment more than the default: about {{percent}} % more per message",
    smsMore_other: "{{count}} segments more than the default: about {{percent}} % more per message",
    smsFewer_one: "{{count}} segment fewer than the default: about {{percent}} % less per message",
    smsFewer_other: "{{count}} segments fewer than the default: about {{percent}} % less per message",
  },
};
