// The starter workflows of the retention playbook as cards: what each does, its steps,
// and one button that makes a draft of it to adapt (n8n's templates, Braze's Canvas
// templates). Used on the Workflows page; the dashboard's first steps link here.
import { useEffect, useRef, useState } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { api } from "../api/client";
import type { Starter, WorkflowSaved } from "../api/types";
import { t } from "../i18n";
import { useApi } from "../lib/useApi";
import { ErrorMessage, Loading } from "./States";

export function StarterGallery({ canWrite }: { canWrite: boolean }) {
  const navigate = useNavigate();
  const starters = useApi((signal) => api.get<Starter[]>("workflows/starters/", signal), []);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const section = useRef<HTMLElement>(null);
  const { hash } = useLocation();
  useEffect(() => {  // the dashboard's "Choose one" links here
    if (hash === "#starters" && starters.data) section.current?.scrollIntoView({ block: "start" });
  }, [hash, starters.data]);

  const use = async (key: string) => {
    setBusy(key);
    setError(null);
    try {
      const created = await api.post<WorkflowSaved>(`workflows/starters/${key}/use/`, {});
      navigate(`/workflows/${created.id}`);
    } catch (e) {
      setError(e as Error);
      setBusy(null);
    }
  };

  return (
    <section ref={section} className="starters" id="starters" aria-labelledby="starters-title">
      <h2 id="starters-title">{t("starters.title")}</h2>
      <p className="muted">{t("starters.intro")}</p>
      {error && <ErrorMessage error={error} />}
      {starters.error ? (
        <ErrorMessage error={starters.error} onRetry={starters.reload} />
      ) : !starters.data ? (
        <Loading />
      ) : (
        <ul className="starter-cards">
          {starters.data.map((s) => (
            <li key={s.key} className="card starter-card">
              <h3>{s.name}</h3>
              <p className="starter-steps" aria-label={t("starters.steps")}>{s.steps.join(" → ")}</p>
              <p className="starter-description">{s.description}</p>
              <div className="starter-actions">
                {canWrite && (
                  <button type="button" className="button" disabled={busy !== null} onClick={() => void use(s.key)}
                    aria-label={t("starters.useNamed", { name: s.name })}>
                    {busy === s.key ? t("starters.creating") : t("starters.use")}
                  </button>
                )}
                {s.used_by !== null && <Link to={`/workflows/${s.used_by}`}>{t("starters.open")}</Link>}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
