// The English catalog's "messages" part (see ../README.md for which part holds what).
export const messages = {};
