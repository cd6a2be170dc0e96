import { useEffect, useState } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import { csrfToken } from "../api/client";
import type { Me } from "../api/types";
import { t } from "../i18n";
import { meTake } from "../prefetch";
import { MeContext } from "../workflow/useMe";

const NAV = [
  { to: "/", label: "Dashboard", end: true },
  { to: "/workflows", label: "Workflows", end: false },
  { to: "/customers", label: "Customers", end: false },
  { to: "/segments", label: "Segments", end: false },
  { to: "/tasks", label: "Tasks", end: false },
  { to: "/team-blocks", label: "Team blocks", end: false },
  { to: "/events", label: "Events", end: false },
  { to: "/exit-reasons", label: t("nav.exitReasons"), end: false },
  { to: "/api-keys", label: "API keys", end: false, capability: "api_keys.manage" },
  { to: "/settings/churn-score", label: t("churnSettings.nav"), end: false },
];

/** The frame of every signed-in page: brand, navigation, who is signed in, sign-out. */
export function Layout({ username }: { username: string }) {
  const [me, setMe] = useState<Me | null>(null);
  const wide = /^\/workflows\/\d+/.test(useLocation().pathname);
  useEffect(() => {
    meTake().then(setMe, () => setMe({ username, role: "viewer", capabilities: ["read"], currency: "EUR", language: "" }));
  }, [username]);
  return (
    <MeContext.Provider value={me}>
    <div className={wide ? "shell shell-wide" : "shell"}>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <a className="brand" href="/"><span>Keep</span>flow</a>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((item) => !item.capability || me?.capabilities.includes(item.capability)).map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.end}>{item.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <a href="/api/docs/">API</a>
          {username && <span className="who" title={me ? `Signed in as ${username} (${me.role})` : "Signed in"}>{username}</span>}
          <form method="post" action="/logout/">
            <input type="hidden" name="csrfmiddlewaretoken" value={csrfToken()} />
            <button type="submit" className="link-button">Sign out</button>
          </form>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
    </MeContext.Provider>
  );
}
