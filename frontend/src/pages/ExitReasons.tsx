import { type FormEvent, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api, query } from "../api/client";
import type { ExitReasonsReport, Page, Segment } from "../api/types";
import { ExitReasonsChart, SERIES } from "../components/ExitReasonsChart";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { t } from "../i18n";
import { formatDate, formatNumber } from "../lib/format";
import { useApi } from "../lib/useApi";

function rate(value: number | null | undefined): string {
  return value === null || value === undefined ? t("exitReasons.noRate") : `${Math.round(value * 1000) / 10} %`;
}

/** The exit-reasons report: answers to the exit survey per reason and period, sends and
 * the response rate, for all customers or one segment. */
export function ExitReasons() {
  const [params, setParams] = useSearchParams();
  const current = { from: params.get("from") ?? "", to: params.get("to") ?? "", period: params.get("period") ?? "week", segment: params.get("segment") ?? "" };
  const [draft, setDraft] = useState(current);
  const report = useApi((signal) => api.get<ExitReasonsReport>(`reports/exit-reasons${query(current)}`, signal),
    [current.from, current.to, current.period, current.segment]);
  const segments = useApi((signal) => api.get<Page<Segment>>("segments?page_size=200", signal), []);

  function submit(event: FormEvent) {
    event.preventDefault();
    setParams(Object.fromEntries(Object.entries(draft).filter(([, value]) => value)));
  }

  const data = report.data;
  const order = data?.reasons.map((r) => r.code) ?? [];
  return (
    <>
      <div className="page-head">
        <h1>{t("exitReasons.title")}</h1>
        <p className="muted">{t("exitReasons.intro")}</p>
        <p><Link to="/exit-reasons/reasons">{t("exitReasons.manage")}</Link></p>
      </div>
      <form className="toolbar" onSubmit={submit} aria-label={t("exitReasons.title")}>
        <label htmlFor="report-from">{t("exitReasons.from")}</label>
        <input id="report-from" type="date" value={draft.from || data?.from || ""} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        <label htmlFor="report-to">{t("exitReasons.to")}</label>
        <input id="report-to" type="date" value={draft.to || data?.to || ""} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        <label htmlFor="report-period">{t("exitReasons.period")}</label>
        <select id="report-period" value={draft.period} onChange={(e) => setDraft({ ...draft, period: e.target.value })}>
          <option value="week">{t("exitReasons.week")}</option>
          <option value="month">{t("exitReasons.month")}</option>
        </select>
        <label htmlFor="report-segment">{t("exitReasons.segment")}</label>
        <select id="report-segment" value={draft.segment} onChange={(e) => setDraft({ ...draft, segment: e.target.value })}>
          <option value="">{t("exitReasons.allCustomers")}</option>
          {segments.data?.results.map((s) => <option key={s.id} value={String(s.id)}>{s.name}</option>)}
        </select>
        <button type="submit" className="button">{t("exitReasons.show")}</button>
      </form>
      {report.error ? (
        <ErrorMessage error={report.error} onRetry={report.reload} />
      ) : !data ? (
        <Loading />
      ) : (
        <div aria-busy={report.loading}>
          <section className="cards" aria-label={t("exitReasons.title")}>
            <div className="card stat"><p className="stat-label">{t("exitReasons.sent")}</p><p className="stat-value" data-testid="exit-sent">{formatNumber(data.totals.sent)}</p></div>
            <div className="card stat"><p className="stat-label">{t("exitReasons.answered")}</p><p className="stat-value" data-testid="exit-answered">{formatNumber(data.totals.answered)}</p></div>
            <div className="card stat"><p className="stat-label">{t("exitReasons.responseRate")}</p><p className="stat-value" data-testid="exit-rate">{rate(data.totals.response_rate)}</p></div>
          </section>
          {data.totals.answered === 0 ? (
            <EmptyState title={t("exitReasons.emptyTitle")}>{t("exitReasons.emptyBody")}</EmptyState>
          ) : (
            <>
              <section className="card">
                <ExitReasonsChart report={data} />
              </section>
              <section className="card">
                <h2>{t("exitReasons.totals")}</h2>
                <table className="data-table" data-testid="exit-reason-totals">
                  <thead><tr><th scope="col">{t("exitReasons.reason")}</th><th scope="col" className="num">{t("exitReasons.answered")}</th><th scope="col" className="num">{t("exitReasons.share")}</th></tr></thead>
                  <tbody>
                    {data.reasons.filter((r) => data.totals.counts[r.code] || r.active).map((r) => (
                      <tr key={r.code} data-reason={r.code}>
                        <td><span className={`legend-swatch chart-series-${order.indexOf(r.code) % SERIES}`} aria-hidden="true" />{r.label}{!r.active && <> <span className="muted">{t("exitReasons.inactive")}</span></>}</td>
                        <td className="num">{formatNumber(data.totals.counts[r.code] ?? 0)}</td>
                        <td className="num">{rate((data.totals.counts[r.code] ?? 0) / data.totals.answered)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <section className="card">
                <h2>{t("exitReasons.perPeriod")}</h2>
                <table className="data-table">
                  <thead><tr><th scope="col">{t("exitReasons.periodStart", { period: t(`exitReasons.${data.period}`) })}</th><th scope="col" className="num">{t("exitReasons.sent")}</th><th scope="col" className="num">{t("exitReasons.answered")}</th><th scope="col" className="num">{t("exitReasons.responseRate")}</th></tr></thead>
                  <tbody>
                    {data.periods.filter((p) => p.sent || p.answered).map((p) => (
                      <tr key={p.start}><td>{formatDate(p.start)}</td><td className="num">{formatNumber(p.sent)}</td><td className="num">{formatNumber(p.answered)}</td><td className="num">{rate(p.response_rate)}</td></tr>
                    ))}
                  </tbody>
                </table>
              </section>
            </>
          )}
        </div>
      )}
    </>
  );
}
