// The German catalog's "reports" part: the same keys as ../en/reports.ts.
export const reports = {
  reportRoi: {
    title: "Lohnt es sich?",
    verdict: {
      pays_off: "Lohnt sich: Kapitalrendite {{roi}} % (95-%-Bereich {{low}} bis {{high}} %).",
      does_not_pay: "Lohnt sich nicht: Kapitalrendite {{roi}} % (95-%-Bereich {{low}} bis {{high}} %).",
      unclear: "Noch unklar, ob es sich lohnt: Kapitalrendite {{roi}} % (95-%-Bereich {{low}} bis {{high}} %).",
      no_costs: "Keine Kosten hinterlegt: Tragen Sie sie in den Einstellungen ein, um zu sehen, ob sich der Workflow lohnt.",
      no_value: "Kein Wert für einen gehaltenen Kunden: Tragen Sie ihn in den Einstellungen ein.",
      no_control: "Keine Kontrollgruppe: Was der Workflow hält, lässt sich noch nicht messen.",
    },
    breakEven: "Gewinnschwelle",
    breakEvenOneIn_one: "Lohnt sich, wenn er 1 von {{count}} kontaktierten Kunden hält ({{rate}} %)",
    breakEvenOneIn_other: "Lohnt sich, wenn er 1 von {{count}} kontaktierten Kunden hält ({{rate}} %)",
    cannotPay: "Kann sich nicht lohnen: Ein Kontakt kostet mehr, als ein gehaltener Kunde wert ist",
    free: "Kostet nichts: Jeder gehaltene Kunde ist ein Gewinn",
    saved: "Gemessene Halterate",
    savedValue: "{{value}} Pp. (95-%-Bereich {{low}} bis {{high}} Pp.)",
    cost: "Kosten",
    costValue: "{{total}} {{currency}} ({{perCustomer}} je kontaktiertem Kunden)",
    valuePerKept: "Wert eines gehaltenen Kunden",
    valuePerKeptValue: "{{value}} {{currency}}",
    net: "Nettowert",
    netValue: "{{value}} {{currency}} (95-%-Bereich {{low}} bis {{high}})",
  },
  reportNodes: {
    title: "Je Block",
    block: "Block",
    reached: "Kunden, die ihn durchlaufen haben",
    rate: "Conversion-Rate",
    port: "→ {{port}}",
  },
};
