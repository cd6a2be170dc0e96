// The one place user-facing words come from: i18next over the catalog in en.ts. Modules
// outside React call `t`; components may use react-i18next's `useTranslation` alike.
// Initialised synchronously (inline resources), so the first render already has words.
import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en";

void i18next.use(initReactI18next).init({
  lng: "en",
  fallbackLng: "en",
  resources: { en: { translation: en } },
  initAsync: false,
  interpolation: { escapeValue: false }, // React escapes; the catalog holds plain text
  returnNull: false,
});

export const i18n = i18next;
export const t = i18next.t.bind(i18next);
