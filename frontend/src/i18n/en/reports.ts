// The English catalog's "reports" part (see ../README.md for which part holds what).
export const reports = {};
