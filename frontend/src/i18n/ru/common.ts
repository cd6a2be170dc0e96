// The Russian catalog's "common" part: the same keys as ../en/common.ts.
export const common = {};
