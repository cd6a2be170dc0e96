// The settings form's own words (@rjsf: "Add Item", "Remove", "Move up", an array's empty
// message…) from the catalog, in the person's language; rjsf's %1, %2 fill {{p1}}, {{p2}}.
// Strings only a developer meets (unsupported schemas, $ref cycles) stay rjsf's English.
import { englishStringTranslator, TranslatableString as S } from "@rjsf/utils";
import { t } from "../i18n";

const KEYS: Partial<Record<S, string>> = {
  [S.ArrayItemTitle]: "arrayItem",
  [S.EmptyArray]: "emptyArray",
  [S.YesLabel]: "yes",
  [S.NoLabel]: "no",
  [S.NewStringDefault]: "newValue",
  [S.AddButton]: "add",
  [S.AddItemButton]: "addItem",
  [S.CopyButton]: "copy",
  [S.MoveDownButton]: "moveDown",
  [S.MoveUpButton]: "moveUp",
  [S.RemoveButton]: "remove",
  [S.ClearButton]: "clear",
  [S.AriaDateLabel]: "pickDate",
  [S.DecrementAriaLabel]: "decrement",
  [S.IncrementAriaLabel]: "increment",
  [S.OptionalObjectAdd]: "optionalAdd",
  [S.OptionalObjectRemove]: "optionalRemove",
  [S.OptionalObjectEmptyMsg]: "optionalEmpty",
  [S.Type]: "type",
  [S.Value]: "value",
  [S.OptionPrefix]: "option",
  [S.TitleOptionPrefix]: "titleOption",
  [S.KeyLabel]: "key",
  [S.DeprecatedLabel]: "deprecated",
};

/** rjsf's `translateString`: the catalog's words where it has them. */
export function formString(text: S, params?: string[]): string {
  const key = KEYS[text];
  if (!key) return englishStringTranslator(text, params);
  const values = Object.fromEntries((params ?? []).map((value, i) => [`p${i + 1}`, value]));
  return t(`canvas.form.${key}`, values);
}
