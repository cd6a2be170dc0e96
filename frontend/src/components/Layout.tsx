import { useEffect, useState } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import { csrfToken } from "../api/client";
import type { Me } from "../api/types";
import { i18n, t } from "../i18n";
import { meTake } from "../prefetch";
import { MeContext } from "../workflow/useMe";
import { LanguagePicker, languageSync } from "./LanguagePicker";

// Catalog keys, looked up at render so the labels follow a change of language.
const NAV = [
  { to: "/", label: "shell.nav.dashboard", end: true },
  { to: "/workflows", label: "shell.nav.workflows", end: false },
  { to: "/customers", label: "shell.nav.customers", end: false },
  { to: "/segments", label: "shell.nav.segments", end: false },
  { to: "/tasks", label: "shell.nav.tasks", end: false },
  { to: "/team-blocks", label: "shell.nav.teamBlocks", end: false },
  { to: "/events", label: "shell.nav.events", end: false },
  { to: "/exit-reasons", label: "nav.exitReasons", end: false },
  { to: "/api-keys", label: "shell.nav.apiKeys", end: false, capability: "api_keys.manage" },
  { to: "/settings/churn-score", label: "churnSettings.nav", end: false },
  { to: "/settings/task-queues", label: "taskQueues.nav", end: false },
];

/** The frame of every signed-in page: brand, navigation, language, who is signed in, sign-out. */
export function Layout({ username }: { username: string }) {
  const [me, setMe] = useState<Me | null>(null);
  const wide = /^\/workflows\/\d+/.test(useLocation().pathname);
  useEffect(() => {
    meTake().then(
      (loaded: Me) => {
        languageSync(loaded.language);  // the server's language wins; the page below remounts in it
        setMe(loaded);
      },
      () => setMe({ username, role: "viewer", capabilities: ["read"], currency: "EUR", language: "" }),
    );
  }, [username]);
  const role = me ? t(`role.${me.role}`, { defaultValue: me.role }) : "";
  return (
    <MeContext.Provider value={me}>
    <div className={wide ? "shell shell-wide" : "shell"}>
      <a className="skip-link" href="#main">{t("shell.skip")}</a>
      <header className="topbar">
        <a className="brand" href="/"><span>Keep</span>flow</a>
        <nav aria-label={t("shell.mainNav")}>
          <ul>
            {NAV.filter((item) => !item.capability || me?.capabilities.includes(item.capability)).map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.end}>{t(item.label)}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <LanguagePicker />
          <a href="/api/docs/" title={t("shell.apiDocsTitle")}>{t("shell.apiDocs")}</a>
          {username && <span className="who" title={me ? t("shell.signedInAs", { name: username, role }) : t("shell.signedIn")}>{username}</span>}
          <form method="post" action="/logout/">
            <input type="hidden" name="csrfmiddlewaretoken" value={csrfToken()} />
            <button type="submit" className="link-button">{t("shell.signOut")}</button>
          </form>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet key={i18n.resolvedLanguage} />
      </main>
    </div>
    </MeContext.Provider>
  );
}
