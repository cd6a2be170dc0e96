import { Link } from "react-router";
import type { Schemas } from "../api/types";
import { t } from "../i18n";
import { formatDate } from "../lib/format";

type Breakdown = Schemas["ChurnBreakdown"];

/** "Why this score" on the customer page: a contract customer's rule score signal by
 * signal (points add up to the score), or the purchase model's one-line reason. */
export function ChurnBreakdownCard({ score, reason, breakdown }: {
  score: number | null;
  reason?: string;
  breakdown?: Breakdown | null;
}) {
  if (score === null || (!breakdown && !reason)) return null;
  return (
    <section className="card" aria-labelledby="why-score">
      <h2 id="why-score">{t("breakdown.title")} <span className="muted">{t("breakdown.score", { score: score.toFixed(2) })}</span></h2>
      {breakdown ? (
        <>
          <p className="muted">{t("breakdown.rules", { date: formatDate(breakdown.as_of) })}</p>
          <table className="list compact breakdown">
            <thead>
              <tr>
                <th scope="col">{t("breakdown.signal")}</th>
                <th scope="col">{t("breakdown.what")}</th>
                <th scope="col" className="num">{t("breakdown.pointsHeader")}</th>
              </tr>
            </thead>
            <tbody>
              {breakdown.signals.map((s) => (
                <tr key={s.signal} className={s.points > 0 ? "signal-on" : "signal-off"}>
                  <th scope="row">{t(`churnSettings.signal.${s.signal}`)}</th>
                  <td>{s.words}</td>
                  <td className="num nowrap">
                    <span className="points-bar" aria-hidden="true"><span style={{ width: `${Math.round(s.value * 100)}%` }} /></span>
                    <span title={t("breakdown.points", { points: s.points.toFixed(2) })}>+{s.points.toFixed(2)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <p>{t("breakdown.model")} {reason}</p>
      )}
      <p className="card-foot"><Link to="/settings/churn-score">{t("breakdown.settingsLink")}</Link></p>
    </section>
  );
}
