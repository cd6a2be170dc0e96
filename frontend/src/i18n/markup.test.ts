// Sentences with markup (<Trans components>) keep the words inside their tags in every
// language: a tag named like an HTML void element (<link>) would render an empty link.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { Trans } from "react-i18next";
import { describe, expect, it } from "vitest";
import { i18n } from ".";

const TAGS = { code: createElement("code"), docs: createElement("a"), go: createElement("a"), strong: createElement("strong") };
const KEYS: [string, Record<string, unknown>][] = [
  ["home.noEventsBody", {}],
  ["home.draftsWaiting", { count: 2 }],
  ["home.createOne", {}],
  ["customerList.emptyBody", {}],
  ["eventList.emptyBody", {}],
  ["segmentList.matches", { count: 3, total: "3", updating: "" }],
  ["notFound.body", { path: "/nowhere" }],
];

describe.each(["en", "de", "ru"])("in %s", (lng) => {
  it.each(KEYS)("%s has words inside each of its tags", (key, values) => {
    const html = renderToStaticMarkup(createElement(Trans, { i18n, i18nKey: key, values, count: values.count as number | undefined, components: TAGS, tOptions: { lng } }));
    expect(html).not.toMatch(/<(a|code|strong)><\/\1>/);
    expect(html).not.toMatch(/&lt;|\{\{/);
  });
});
