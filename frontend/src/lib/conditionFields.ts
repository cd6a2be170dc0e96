// What the condition builder offers to pick: the customer's fields, their attribute keys
// and the properties of recent event types, in words, with value types (GET
// /conditions/fields). Loaded once per page and shared by every builder on it.
import { useEffect, useState } from "react";
import { api } from "../api/client";
import type { Schemas } from "../api/types";

export type FieldInfo = Schemas["FieldInfo"];
export type ConditionFields = Schemas["ConditionFields"];

let loading: Promise<ConditionFields> | null = null;

export function useConditionFields(): ConditionFields | null {
  const [fields, setFields] = useState<ConditionFields | null>(null);
  useEffect(() => {
    let live = true;
    loading ??= api.get<ConditionFields>("conditions/fields");
    loading.then((data) => { if (live) setFields(data); }, () => { loading = null; });
    return () => { live = false; };
  }, []);
  return fields;
}

/** Fields by group, in the server's order, a path shown once per group. */
export function fieldGroups(fields: FieldInfo[]): { group: string; fields: FieldInfo[] }[] {
  const groups = new Map<string, Map<string, FieldInfo>>();
  for (const field of fields) {
    const group = groups.get(field.group) ?? new Map<string, FieldInfo>();
    if (!group.has(field.path)) group.set(field.path, field);
    groups.set(field.group, group);
  }
  return [...groups].map(([group, byPath]) => ({ group, fields: [...byPath.values()] }));
}

/** The field a path names (the first group that has it), if the catalog knows it. */
export function fieldFor(fields: FieldInfo[] | undefined, path: string): FieldInfo | undefined {
  return fields?.find((f) => f.path === path);
}

/** How the value of a rule is edited: a list to pick from, a number, a date, yes/no or text. */
export function valueWidget(field: FieldInfo | undefined, op: string): "choice" | "number" | "date" | "boolean" | "text" {
  if (!field || ["in", "not_in", "within_last", "contains"].includes(op)) return "text";
  if (field.type === "choice" && field.choices.length) return "choice";
  if (field.type === "number") return "number";
  if (field.type === "date" || field.type === "datetime") return op === "before" || ["eq", "ne", "lt", "lte", "gt", "gte"].includes(op) ? "date" : "text";
  if (field.type === "boolean") return "boolean";
  return "text";
}
