// The catalogs stay in step: German and Russian hold every key the English catalog has
// (plural keys in each language's own forms), keep every {{placeholder}}, and no two parts
// of a catalog claim the same top-level key.
import { describe, expect, it } from "vitest";
import { parts as deParts } from "./de";
import { parts as enParts } from "./en";
import { parts as ruParts } from "./ru";

type Tree = { [key: string]: string | Tree };
type PartName = keyof typeof enParts;

/** Parts whose translation is still being written; remove a part once it is complete. */
const PENDING: Record<"de" | "ru", PartName[]> = { de: [], ru: [] };

const PLURAL = /_(zero|one|two|few|many|other)$/;
const PLURAL_FORMS = { de: ["one", "other"], ru: ["one", "few", "many", "other"] };

function flatten(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => new Set(text.match(/\{\{\s*\w+\s*\}\}/g)?.map((p) => p.replace(/\s/g, "")) ?? []);
const base = (key: string) => key.replace(PLURAL, "");

describe.each([
  ["de", deParts],
  ["ru", ruParts],
] as const)("the %s catalog", (lang, parts) => {
  const names = (Object.keys(enParts) as PartName[]).filter((name) => !PENDING[lang].includes(name));

  it.each(names)("has every key of the English part %s, in its plural forms", (name) => {
    const english = flatten(enParts[name] as Tree);
    const translated = flatten(parts[name] as Tree);
    const expected = new Set<string>();
    for (const key of english.keys()) {
      if (PLURAL.test(key)) for (const form of PLURAL_FORMS[lang]) expected.add(`${base(key)}_${form}`);
      else expected.add(key);
    }
    expect([...translated.keys()].sort()).toEqual([...expected].sort());
  });

  it.each(names)("keeps every placeholder of the English part %s", (name) => {
    const english = flatten(enParts[name] as Tree);
    const translated = flatten(parts[name] as Tree);
    for (const [key, text] of translated) {
      const source = english.get(key) ?? english.get(`${base(key)}_other`) ?? "";
      const wanted = [...placeholders(source)].filter((p) => p !== "{{count}}");
      for (const p of wanted) expect(text, `${lang} ${key}`).toContain(p);
    }
  });
});

it("gives every top-level key to one part only", () => {
  for (const parts of [enParts, deParts, ruParts]) {
    const seen = new Map<string, string>();
    for (const [name, part] of Object.entries(parts)) {
      for (const key of Object.keys(part)) {
        expect(seen.get(key), `${key} in ${name} and ${seen.get(key)}`).toBeUndefined();
        seen.set(key, name);
      }
    }
  }
});

it("marks no finished part as pending while it is still empty in English", () => {
  for (const lang of ["de", "ru"] as const) for (const name of PENDING[lang]) expect(Object.keys(enParts[name]).length).toBeGreaterThan(0);
});
