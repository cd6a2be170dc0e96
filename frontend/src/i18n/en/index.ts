// Every part of the en catalog, merged into one i18next namespace. Parts own distinct
// top-level keys; the catalog test checks that no two parts share one.
import { canvas } from "./canvas";
import { common } from "./common";
import { messages } from "./messages";
import { pages } from "./pages";
import { reports } from "./reports";

export const parts = { common, canvas, pages, messages, reports };
export const en = { ...common, ...canvas, ...pages, ...messages, ...reports };
