// The German catalog's "canvas" part: the same keys as ../en/canvas.ts.
export const canvas = {};
