// The English catalog's "canvas" part (see ../README.md for which part holds what).
export const canvas = {};
