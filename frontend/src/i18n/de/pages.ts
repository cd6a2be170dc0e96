// The German catalog's "pages" part: the same keys as ../en/pages.ts.
export const pages = {};
