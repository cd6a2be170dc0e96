// The English catalog's "pages" part (see ../README.md for which part holds what).
export const pages = {};
