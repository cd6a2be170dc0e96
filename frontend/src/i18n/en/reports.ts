// The English catalog's "reports" part (see ../README.md for which part holds what).
export const reports = {
  reportRoi: {
    title: "Does it pay?",
    verdict: {
      pays_off: "Pays off: return on investment {{roi}} % (95 % range {{low}} to {{high}} %).",
      does_not_pay: "Does not pay off: return on investment {{roi}} % (95 % range {{low}} to {{high}} %).",
      unclear: "Not clear yet whether it pays off: return on investment {{roi}} % (95 % range {{low}} to {{high}} %).",
      no_costs: "No costs set: enter them in settings to see whether the workflow pays off.",
      no_value: "No value of a kept customer: enter one in settings.",
      no_control: "No control group: what the workflow saves cannot be measured yet.",
    },
    breakEven: "Break-even",
    breakEvenOneIn_one: "Pays off if it keeps 1 in {{count}} contacted customer ({{rate}} %)",
    breakEvenOneIn_other: "Pays off if it keeps 1 in {{count}} contacted customers ({{rate}} %)",
    cannotPay: "Cannot pay off: contacting a customer costs more than a kept customer is worth",
    free: "Costs nothing: any customer kept is a gain",
    saved: "Measured save rate",
    savedValue: "{{value}} pp (95 % range {{low}} to {{high}} pp)",
    cost: "Cost",
    costValue: "{{total}} {{currency}} ({{perCustomer}} per contacted customer)",
    valuePerKept: "Value of a kept customer",
    valuePerKeptValue: "{{value}} {{currency}}",
    net: "Net value",
    netValue: "{{value}} {{currency}} (95 % range {{low}} to {{high}})",
  },
  reportNodes: {
    title: "Per block",
    block: "Block",
    reached: "Customers who passed it",
    rate: "Conversion rate",
    port: "→ {{port}}",
  },
};
