// The German catalog's "messages" part: the same keys as ../en/messages.ts.
export const messages = {
  variants: {
    title: "Sprachen",
    default: "Standard",
    defaultHint:
      "Kunden, für deren Sprache es keinen eigenen Tab gibt, erhalten die Texte oben. Fügen Sie eine Sprache hinzu, um ihre Texte zu schreiben – die Spracheinstellung des Kunden wählt sie aus (de-AT greift auf de zurück).",
    addLabel: "Sprache hinzufügen",
    addPlaceholder: "z. B. de, ru oder de-AT",
    add: "Hinzufügen",
    badLocale: "Geben Sie ein Sprachkürzel wie de, ru oder de-AT ein.",
    duplicate: "Für {{language}} gibt es schon einen Tab.",
    languageHint: "Für Kunden mit der Spracheinstellung {{tag}} ({{language}}). Leere Felder übernehmen den Standardtext.",
    remove: "{{language}} entfernen",
    smsSegments_one: "{{count}} SMS-Segment",
    smsSegments_other: "{{count}} SMS-Segmente",
    smsSameCost: "kostet so viel wie der Standardtext",
    smsMore_one: "{{count}} Segment mehr als der Standardtext: etwa {{percent}} % höhere Kosten pro Nachricht",
    smsMore_other: "{{count}} Segmente mehr als der Standardtext: etwa {{percent}} % höhere Kosten pro Nachricht",
    smsFewer_one: "{{count}} Segment weniger als der Standardtext: etwa {{percent}} % geringere Kosten pro Nachricht",
    smsFewer_other: "{{count}} Segmente weniger als der Standardtext: etwa {{percent}} % geringere Kosten pro Nachricht",
  },
};
