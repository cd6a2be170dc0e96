// The Russian catalog's "messages" part: the same keys as ../en/messages.ts.
export const messages = {};
