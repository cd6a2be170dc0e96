// The UI language: a picker in the header, and the sync with the language the server keeps
// for the user. A choice is stored in this browser and on the server (PATCH /me), then the
// page reloads so the server's block catalog comes in the new language too. On load, the
// server's language wins over this browser's, so the choice follows the person.
import { useState } from "react";
import { api } from "../api/client";
import { i18n, LANGUAGE_STORAGE_KEY, LANGUAGES, t, type Language } from "../i18n";

/** Each language named in itself: a reader finds their own whatever the UI shows now. */
const NAMES: Record<Language, string> = { en: "English", de: "Deutsch", ru: "Русский" };

function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

function store(language: Language): void {
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, language);
  } catch {
    // storage blocked: the choice lasts for this page only
  }
}

/** Switch to the server's language if it has one and it differs; true when switched. */
export function languageSync(serverLanguage: unknown): boolean {
  if (!isLanguage(serverLanguage)) return false;
  store(serverLanguage);
  if (i18n.resolvedLanguage === serverLanguage) return false;
  void i18n.changeLanguage(serverLanguage);
  if (globalThis.document) document.documentElement.lang = serverLanguage;
  return true;
}

export function LanguagePicker() {
  const current = isLanguage(i18n.resolvedLanguage) ? i18n.resolvedLanguage : "en";
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const choose = async (language: Language) => {
    if (language === current) return;
    setBusy(true);
    setError(null);
    try {
      await api.patch("me", { language });
    } catch (e) {
      setError(t("shell.languageNotSaved", { error: (e as Error).message }));
      setBusy(false);
      return;
    }
    store(language);
    window.location.reload();
  };

  return (
    <div className="language-picker">
      <label htmlFor="ui-language" className="visually-hidden">{t("shell.language")}</label>
      <select id="ui-language" value={current} disabled={busy} title={t("shell.language")}
        onChange={(e) => void choose(e.target.value as Language)}>
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>{NAMES[language]}</option>
        ))}
      </select>
      {error && <span className="field-error" role="alert">{error}</span>}
    </div>
  );
}
