// The Russian catalog's "reports" part: the same keys as ../en/reports.ts.
export const reports = {};
