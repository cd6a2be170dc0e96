// The front end's word catalogs (frontend/src/i18n/<lang>/*.ts), read straight from the
// sources for the e2e scenarios: every part of a language flattened to "key.path" ->
// text, and a check that finds English words left on a page shown in another language.
"use strict";
const fs = require("fs");
const path = require("path");
const { transformSync } = require("esbuild");

const I18N = path.join(__dirname, "..", "..", "frontend", "src", "i18n");
const LOCALE = path.join(__dirname, "..", "..", "locale");
const PLURAL = /_(zero|one|two|few|many|other)$/;

// Words that are the same in English and the language, rightly: a page may show them.
// Short and explicit; a word lands here only when a native speaker would write it so.
const SAME_WORDS = {
  de: ["Filter", "Text"],
  ru: [],
};

function flatten(tree, prefix, out) {
  for (const [key, value] of Object.entries(tree)) {
    const at = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(at, value);
    else flatten(value, at, out);
  }
  return out;
}

/** Every key of a language's catalog (all its parts) with its text. */
function catalogLoad(language) {
  const folder = path.join(I18N, language);
  const out = new Map();
  for (const file of fs.readdirSync(folder).filter((f) => f.endsWith(".ts") && f !== "index.ts").sort()) {
    const { code } = transformSync(fs.readFileSync(path.join(folder, file), "utf8"), { loader: "ts", format: "cjs" });
    const module = { exports: {} };
    new Function("module", "exports", code)(module, module.exports);
    for (const part of Object.values(module.exports)) flatten(part, "", out);
  }
  return out;
}

const unquote = (text) => JSON.parse(text);

/** The server's gettext catalogs of a language (locale/<lang>/LC_MESSAGES/*.po) as
 * "server:<msgid>" -> [english, translation] pairs, singular and plural; Python's
 * %(name)s become {{name}} so that they read as the front end's placeholders. */
function serverCatalog(language) {
  const folder = path.join(LOCALE, language, "LC_MESSAGES");
  const out = new Map();
  const placeholders = (text) => text.replace(/%\((\w+)\)[sd]/g, "{{$1}}").replace(/%[sd]/g, "{{value}}");
  for (const file of fs.readdirSync(folder).filter((f) => f.endsWith(".po")).sort()) {
    let entry = {};
    let field = null;
    const flush = () => {
      const strings = entry.msgstr !== undefined ? [entry.msgstr] : Object.keys(entry).filter((k) => k.startsWith("msgstr[")).map((k) => entry[k]);
      const ids = [entry.msgid, entry.msgid_plural ?? entry.msgid];
      if (entry.msgid) strings.forEach((text, i) => { if (text) out.set(`server:${ids[Math.min(i, 1)]}#${i}`, [placeholders(ids[Math.min(i, 1)]), placeholders(text)]); });
      entry = {};
      field = null;
    };
    for (const line of fs.readFileSync(path.join(folder, file), "utf8").split("\n")) {
      const start = line.match(/^(msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$/);
      if (start) {
        if (start[1] === "msgid" && entry.msgid !== undefined) flush();
        field = start[1];
        entry[field] = unquote(start[2]);
      } else if (field && /^".*"$/.test(line)) entry[field] += unquote(line);
      else if (!line.trim()) flush();
    }
    flush();
  }
  return out;
}

/** i18next's lookup for the scenario: the key's text with {{x}} filled in (`count` picks
 * the plural form the way Intl does for the language). */
function translator(language) {
  const texts = catalogLoad(language);
  const rules = new Intl.PluralRules(language);
  return (key, values = {}) => {
    const text = "count" in values ? texts.get(`${key}_${rules.select(values.count)}`) ?? texts.get(key) : texts.get(key);
    if (text === undefined) throw new Error(`no ${language} text for ${key}`);
    return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name) => String(values[name] ?? ""));
  };
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const pattern = (text) => new RegExp(`^${text.split(/\{\{\s*\w+\s*\}\}/).map(escape).join(".+?")}$`, "s");
const PLACEHOLDER = /\{\{\s*\w+\s*\}\}/;

/** The English texts a page in `language` must not show: those of the front end's and the
 * server's catalogs whose translation differs. Texts with {{placeholders}} become patterns
 * when enough words are left around them. */
function englishLeftovers(language) {
  const english = catalogLoad("en");
  const translated = catalogLoad(language);
  for (const [key, [text, other]] of serverCatalog(language)) {
    english.set(key, text);
    translated.set(key, other);
  }
  const exact = new Map();
  const patterns = [];
  // Words the language itself uses ("SMS", "Workflow", "Version") are no leftovers.
  const own = new Set([...translated.values(), ...SAME_WORDS[language]]);
  for (const [key, text] of english) {
    const other = translated.get(key) ?? translated.get(key.replace(PLURAL, "_other"));
    if (other === undefined || other === text || own.has(text)) continue;
    if (!PLACEHOLDER.test(text)) {
      if (/\p{L}/u.test(text)) exact.set(text, key);
      continue;
    }
    // "{{count}} {{state}}" or "{{label}}: number" would match too much: keep patterns
    // that hold at least two words of their own.
    const words = text.replace(/\{\{\s*\w+\s*\}\}/g, " ").match(/\p{L}{2,}/gu) ?? [];
    if (words.length >= 2) patterns.push({ key, text, re: pattern(text), translation: pattern(other) });
  }
  return { exact, patterns };
}

// Where the canvas shows words the server sends in the person's language (the block
// catalog's titles, groups, descriptions and field labels; a version diff's labels;
// block names): the server's catalog answers for them, the check reports them apart.
const SERVER_WORDS = [
  ".palette-item", ".palette-group > h3", ".block-title", ".block-sub > span", ".port-label",
  ".node-panel > header", ".node-panel .control-label", ".node-panel .field-description",
  ".liquid-tools option", ".diff-label", ".diff-blocks > li > strong", ".diff-lists > dd.added",
  ".diff-lists > dd.removed", ".step-title", ".version-view .node-panel > h2",
].join(", ");

/** Every text a person can read on the page now: visible text nodes, and the title,
 * aria-label, placeholder and alt of visible elements; each with where it sits
 * ("canvas": the workflow editor's own words, "server": words the server sent,
 * "page": around the editor). */
function readableTexts(page) {
  return page.evaluate((serverWords) => {
    const out = [];
    const where = (el) => (el.closest(serverWords) ? "server" : el.closest(".editor, .version-view") ? "canvas" : "page");
    const visible = (el) => el.checkVisibility ? el.checkVisibility({ visibilityProperty: true }) || el.tagName === "OPTION" : true;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.replace(/\s+/g, " ").trim();
      const el = node.parentElement;
      if (!text || !el || el.closest("script, style, noscript") || !visible(el)) continue;
      out.push({ text, where: where(el), how: "text" });
    }
    for (const el of document.body.querySelectorAll("[title], [aria-label], [placeholder], [alt]")) {
      if (!visible(el)) continue;
      for (const name of ["title", "aria-label", "placeholder", "alt"]) {
        const text = (el.getAttribute(name) || "").trim();
        if (text) out.push({ text, where: where(el), how: name });
      }
    }
    return out;
  }, SERVER_WORDS);
}

/** The English catalog texts shown on the page, with their keys: [] when all is translated. */
async function leftoversOn(page, leftovers) {
  const found = [];
  for (const item of await readableTexts(page)) {
    const line = item.how === "text" ? item.text : item.text.split("\n")[0];
    let key = leftovers.exact.get(line);
    if (!key) key = leftovers.patterns.find((p) => p.re.test(line) && !p.translation.test(line))?.key;
    if (key) found.push({ ...item, key });
  }
  return found;
}

/** A pattern finding the key's text in `language` with any values filled in. */
function textPattern(language, key) {
  const text = catalogLoad(language).get(key);
  if (text === undefined) throw new Error(`no ${language} text for ${key}`);
  return new RegExp(text.split(/\{\{\s*\w+\s*\}\}/).map(escape).join(".+?"));
}

module.exports = { catalogLoad, serverCatalog, translator, englishLeftovers, leftoversOn, textPattern, SAME_WORDS };
