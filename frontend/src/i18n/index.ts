// The one place user-facing words come from: i18next over the catalogs in en/, de/ and
// ru/. Modules outside React call `t`; components may use react-i18next's `useTranslation`
// alike. Initialised synchronously (inline resources), so the first render already has
// words in the user's language: the one they chose (kept in localStorage), else the
// browser's first supported one, else English. A missing key falls back to English.
import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { de } from "./de";
import { en } from "./en";
import { ru } from "./ru";

export const LANGUAGES = ["en", "de", "ru"] as const;
export type Language = (typeof LANGUAGES)[number];
export const LANGUAGE_STORAGE_KEY = "keepflow.language";

function isLanguage(value: string | null | undefined): value is Language {
  return (LANGUAGES as readonly string[]).includes(value ?? "");
}

/** The chosen language if any, else the first of the browser's languages we speak. */
export function detectLanguage(stored: string | null, browser: readonly string[]): Language {
  if (isLanguage(stored)) return stored;
  for (const tag of browser) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLanguage(base)) return base;
  }
  return "en";
}

function storedLanguage(): string | null {
  try {
    return globalThis.localStorage?.getItem(LANGUAGE_STORAGE_KEY) ?? null;
  } catch {
    return null; // storage blocked: fall back to the browser's languages
  }
}

const language = detectLanguage(storedLanguage(), globalThis.navigator?.languages ?? []);

void i18next.use(initReactI18next).init({
  lng: language,
  fallbackLng: "en",
  supportedLngs: [...LANGUAGES],
  resources: { en: { translation: en }, de: { translation: de }, ru: { translation: ru } },
  initAsync: false,
  interpolation: { escapeValue: false }, // React escapes; the catalog holds plain text
  returnNull: false,
});
if (globalThis.document) document.documentElement.lang = language;

export const i18n = i18next;
export const t = i18next.t.bind(i18next);
