// Words a person reads come from the catalogs, never from the markup: this scans every
// component for JSX text and for the attributes people read (title, aria-label, placeholder,
// alt, label) written as literals. Files still being moved to the catalogs are listed in
// PENDING; the list only shrinks.
import { expect, it } from "vitest";

/** Every component's source, keyed by its path under src/ (Vite reads them at test time). */
const SOURCES: Record<string, string> = Object.fromEntries(
  Object.entries(import.meta.glob<string>(["../**/*.tsx", "!../**/*.test.tsx"], { query: "?raw", import: "default", eager: true })).map(
    ([path, source]) => [path.replace(/^\.\.\//, ""), source],
  ),
);

const PENDING = new Set<string>([
    "workflow/ReportPanel.tsx",
]);

/** Text between tags that holds a letter, e.g. `>Save draft<`; `{…}` expressions excluded. */
const JSX_TEXT = />\s*([^<>{}`;=()]*\p{L}[^<>{}`;=()]*?)\s*</gu;
const READ_ATTRIBUTE = /\b(title|aria-label|placeholder|alt|label)="([^"]*\p{L}[^"]*)"/gu;

function literalsIn(source: string): string[] {
  const code = source.replace(/\/\/.*$/gm, "").replace(/\/\*[\s\S]*?\*\//g, "");
  const found: string[] = [];
  for (const match of code.matchAll(JSX_TEXT)) {
    const text = match[1].trim();
    // TypeScript generics and comparisons look like tags; text in JSX has no such tokens.
    if (text && !/^[\w.]+(\[\])?$/.test(text) && !/[&|]{2}|=>/.test(text)) found.push(text);
  }
  for (const match of code.matchAll(READ_ATTRIBUTE)) found.push(`${match[1]}="${match[2]}"`);
  return found;
}

it.each(Object.keys(SOURCES))("%s shows no words outside the catalogs", (file) => {
  const found = literalsIn(SOURCES[file]);
  if (PENDING.has(file)) return;
  expect(found).toEqual([]);
});

it("lists no pending file that is already clean", () => {
  for (const file of PENDING) expect(literalsIn(SOURCES[file] ?? ""), file).not.toEqual([]);
});
