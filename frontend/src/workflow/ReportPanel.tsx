// The Report tab: treated customers against the control group — conversions to the goal,
// the difference with its 95 % range, the value added and the verdict in words, whether
// it pays (ROI and break-even), per version and per block (GET /workflows/{id}/report).
// docs/reports.md explains every number.
import { Fragment, useState } from "react";
import { api, query } from "../api/client";
import type { ReportComparison, WorkflowReport } from "../api/types";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { t } from "../i18n";
import { rateBars } from "../lib/chart";
import { formatNumber } from "../lib/format";
import { useApi } from "../lib/useApi";
import { pp, pValueText, verdictText } from "./report";

const PERIODS = [7, 30, 90, 365];
const WIDTH = 360;
const HEIGHT = 140;
const PLOT = WIDTH - 40;

type Props = { workflowId: number; onClose: () => void; onOpenSettings: () => void };

export function ReportPanel({ workflowId, onClose, onOpenSettings }: Props) {
  const [days, setDays] = useState(90);
  const report = useApi((signal) => {
    // From midnight UTC: whole days are read from the server's daily rollup (fast).
    const to = new Date();
    const from = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate()) - days * 86_400_000);
    return api.get<WorkflowReport>(`workflows/${workflowId}/report${query({ from: from.toISOString(), to: to.toISOString() })}`, signal);
  }, [workflowId, days]);

  return (
    <section className="drawer report-panel" aria-label={t("report.title")} data-testid="report-panel">
      <header>
        <h2>{t("report.title")}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={t("report.close")}>×</button>
      </header>
      <div className="form-row inline">
        <label htmlFor="report-period">{t("report.period")}</label>{" "}
        <select id="report-period" value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {PERIODS.map((n) => <option key={n} value={n}>{t("report.days", { count: n })}</option>)}
        </select>
      </div>
      {report.error ? <ErrorMessage error={report.error} onRetry={report.reload} />
        : !report.data ? <Loading label={t("report.loading")} />
        : <ReportBody report={report.data} onOpenSettings={onOpenSettings} />}
    </section>
  );
}

function ReportBody({ report, onOpenSettings }: { report: WorkflowReport; onOpenSettings: () => void }) {
  const goal = report.goal;
  const kind = report.verdict.kind;
  const needsSettings = kind === "no_goal" || (kind === "no_control" && report.groups.control.customers === 0);
  return (
    <>
      {goal && (
        <p className="muted" data-testid="report-goal">
          {goal.within_days ? t("report.goalWithin", { event: goal.event_type, count: goal.within_days }) : t("report.goal", { event: goal.event_type })}
          {goal.value_property ? `, ${t("report.goalValue", { property: goal.value_property })}` : ""}
        </p>
      )}
      {kind === "no_data" || needsSettings ? (
        <EmptyState title={verdictText(report)}>
          {needsSettings && <button type="button" className="button secondary" onClick={onOpenSettings}>{t("settingsReport.legend")}</button>}
          {kind !== "no_data" && <Numbers report={report} />}
        </EmptyState>
      ) : (
        <>
          <p className={`report-verdict verdict-${kind}`} data-testid="report-verdict" role="status">{verdictText(report)}</p>
          <RateChart report={report} />
          <Numbers report={report} />
        </>
      )}
      {report.roi && report.roi.verdict.kind !== "no_data" && <Roi roi={report.roi} />}
      {report.nodes.length > 0 && kind !== "no_data" && <Nodes report={report} />}
      {report.versions.length > 1 && (
        <details>
          <summary>{t("report.versions")}</summary>
          <ul className="report-versions">
            {report.versions.map((v) => (
              <li key={v.version ?? 0}>
                <strong>{t("report.version", { number: v.version })}</strong>: {verdictText(v)}{" "}
                <span className="muted">
                  ({t("report.treated")} {formatNumber(v.groups.treatment.customers)} · {t("report.control")} {formatNumber(v.groups.control.customers)})
                </span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}

function RateChart({ report }: { report: ReportComparison }) {
  const { treatment, control } = report.groups;
  const groups = [
    { label: t("report.treated"), group: treatment },
    { label: t("report.control"), group: control },
  ].filter((g) => g.group.rate !== null && g.group.rate_ci)
    .map((g) => ({ label: g.label, rate: g.group.rate ?? 0, low: g.group.rate_ci?.low ?? 0, high: g.group.rate_ci?.high ?? 0 }));
  if (!groups.length) return null;
  const { bars, maxPercent } = rateBars(groups, PLOT, HEIGHT);
  const described = groups.map((g) => t("report.chartGroup", { label: g.label, rate: pp(g.rate), low: pp(g.low), high: pp(g.high) })).join("; ");
  return (
    <figure className="chart report-chart">
      <svg viewBox={`0 -6 ${WIDTH} ${HEIGHT + 30}`} role="img" aria-label={t("report.chartLabel", { groups: described })} data-testid="report-chart">
        <line x1={0} x2={PLOT} y1={HEIGHT} y2={HEIGHT} className="chart-axis" />
        <line x1={0} x2={PLOT} y1={1} y2={1} className="chart-grid" />
        <line x1={0} x2={PLOT} y1={HEIGHT / 2} y2={HEIGHT / 2} className="chart-grid" />
        <text x={PLOT + 6} y={5} className="chart-label">{maxPercent} %</text>
        <text x={PLOT + 6} y={HEIGHT / 2 + 4} className="chart-label">{maxPercent / 2} %</text>
        <text x={PLOT + 6} y={HEIGHT + 4} className="chart-label">0</text>
        {bars.map((bar, index) => {
          const middle = bar.x + bar.width / 2;
          return (
            <g key={bar.label}>
              <rect x={bar.x} y={bar.y} width={bar.width} height={bar.height} rx={2}
                className={index === 0 ? "chart-bar" : "chart-bar chart-bar-control"}>
                <title>{t("report.chartGroup", { label: bar.label, rate: pp(bar.rate), low: pp(bar.low), high: pp(bar.high) })}</title>
              </rect>
              <line x1={middle} x2={middle} y1={bar.whiskerTop} y2={bar.whiskerBottom} className="chart-whisker" />
              <line x1={middle - 8} x2={middle + 8} y1={bar.whiskerTop} y2={bar.whiskerTop} className="chart-whisker" />
              <line x1={middle - 8} x2={middle + 8} y1={bar.whiskerBottom} y2={bar.whiskerBottom} className="chart-whisker" />
              <text x={middle} y={HEIGHT + 18} textAnchor="middle" className="chart-label">{bar.label}: {pp(bar.rate)} %</text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

function Numbers({ report }: { report: ReportComparison }) {
  const { treatment, control } = report.groups;
  const lift = report.lift;
  const value = report.value;
  const rateCell = (g: typeof treatment) => (g.rate === null ? "–" : `${pp(g.rate)} %`);
  const rangeCell = (g: typeof treatment) => (g.rate_ci ? `${pp(g.rate_ci.low)} – ${pp(g.rate_ci.high)} %` : "–");
  return (
    <>
      <table className="report-table" data-testid="report-table">
        <thead>
          <tr><th></th><th>{t("report.customers")}</th><th>{t("report.converted")}</th><th>{t("report.rate")}</th><th>{t("report.range")}</th>
            {value && <th>{t("report.valuePerCustomer")}</th>}</tr>
        </thead>
        <tbody>
          {([["treated", treatment], ["control", control]] as const).map(([key, g]) => (
            <tr key={key}>
              <th scope="row">{t(`report.${key}`)}</th>
              <td>{formatNumber(g.customers)}</td>
              <td>{g.converted === null ? "–" : formatNumber(g.converted)}</td>
              <td>{rateCell(g)}</td>
              <td>{rangeCell(g)}</td>
              {value && <td>{money(g.value_per_customer)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      {(control.held_out_at_entry > 0 || control.split_holdout > 0) && (
        <p className="muted">
          {[control.held_out_at_entry > 0 ? t("report.heldOutAtEntry", { count: control.held_out_at_entry }) : "",
            control.split_holdout > 0 ? t("report.splitHoldout", { count: control.split_holdout }) : ""].filter(Boolean).join(" · ")}
        </p>
      )}
      {lift && (
        <dl className="report-numbers">
          <dt>{t("report.lift")}</dt>
          <dd>{t("report.liftValue", { value: pp(lift.absolute), low: pp(lift.absolute_ci.low), high: pp(lift.absolute_ci.high) })}</dd>
          {lift.relative !== null && (<><dt>{t("report.relative")}</dt><dd>{lift.relative >= 0 ? "+" : ""}{pp(lift.relative)} %</dd></>)}
          <dt>{t("report.pValue")}</dt>
          <dd>{pValueText(lift.p_value)} ({lift.test === "fisher_exact" ? t("report.testFisher") : t("report.testZ")})</dd>
          {value && value.incremental !== null && (
            <>
              <dt>{t("report.valueAdded")}</dt>
              <dd>{value.incremental_ci
                ? t("report.valueAddedRange", { value: money(value.incremental), low: money(value.incremental_ci.low), high: money(value.incremental_ci.high) })
                : money(value.incremental)}</dd>
            </>
          )}
        </dl>
      )}
    </>
  );
}

type RoiReport = NonNullable<WorkflowReport["roi"]>;

const money = (n: number | null | undefined) => (n === null || n === undefined ? "–" : formatNumber(Math.round(n * 100) / 100));

function roiVerdict(roi: RoiReport): string {
  const kind = roi.verdict.kind;
  if (kind === "pays_off" || kind === "does_not_pay" || kind === "unclear") {
    return t(`reportRoi.verdict.${kind}`, { roi: formatNumber(Math.round((roi.roi ?? 0) * 100)),
      low: formatNumber(Math.round((roi.roi_ci?.low ?? 0) * 100)), high: formatNumber(Math.round((roi.roi_ci?.high ?? 0) * 100)) });
  }
  if (kind === "no_costs" || kind === "no_value" || kind === "no_control") return t(`reportRoi.verdict.${kind}`);
  return roi.verdict.text;
}

function Roi({ roi }: { roi: RoiReport }) {
  const currency = roi.currency;
  const breakEven = roi.break_even_one_in !== null
    ? t("reportRoi.breakEvenOneIn", { count: roi.break_even_one_in, rate: pp(roi.break_even_rate) })
    : roi.break_even_rate === null ? null
    : roi.break_even_rate > 1 ? t("reportRoi.cannotPay") : t("reportRoi.free");
  return (
    <section className="report-roi" data-testid="report-roi">
      <h3>{t("reportRoi.title")}</h3>
      <p className={`report-verdict verdict-${roi.verdict.kind}`}>{roiVerdict(roi)}</p>
      <dl className="report-roi-numbers">
        {breakEven && (<><dt>{t("reportRoi.breakEven")}</dt><dd data-testid="report-break-even">{breakEven}</dd></>)}
        {roi.saved_rate !== null && roi.saved_rate_ci && (
          <><dt>{t("reportRoi.saved")}</dt>
            <dd>{t("reportRoi.savedValue", { value: pp(roi.saved_rate), low: pp(roi.saved_rate_ci.low), high: pp(roi.saved_rate_ci.high) })}</dd></>
        )}
        <dt>{t("reportRoi.cost")}</dt>
        <dd>{t("reportRoi.costValue", { total: money(roi.costs.total), currency, perCustomer: money(roi.cost_per_contacted) })}</dd>
        <dt>{t("reportRoi.valuePerKept")}</dt>
        <dd>{t("reportRoi.valuePerKeptValue", { value: money(roi.value_per_kept), currency })}</dd>
        {roi.net_value !== null && roi.net_value_ci && (
          <><dt>{t("reportRoi.net")}</dt>
            <dd>{t("reportRoi.netValue", { value: money(roi.net_value), currency, low: money(roi.net_value_ci.low), high: money(roi.net_value_ci.high) })}</dd></>
        )}
      </dl>
    </section>
  );
}

function Nodes({ report }: { report: WorkflowReport }) {
  const rate = (g: { rate: number | null; rate_ci: { low: number; high: number } | null }) =>
    (g.rate === null ? "–" : `${pp(g.rate)} %${g.rate_ci ? ` (${pp(g.rate_ci.low)} – ${pp(g.rate_ci.high)} %)` : ""}`);
  return (
    <details data-testid="report-nodes">
      <summary>{t("reportNodes.title")}</summary>
      <table className="report-table">
        <thead><tr><th>{t("reportNodes.block")}</th><th>{t("reportNodes.reached")}</th><th>{t("reportNodes.rate")}</th></tr></thead>
        <tbody>
          {report.nodes.map((node) => (
            <Fragment key={node.node_id}>
              <tr>
                <th scope="row">{node.label || node.node_id}{node.type ? <span className="muted"> {node.type}</span> : null}</th>
                <td>{formatNumber(node.groups.treatment.customers)}</td>
                <td>{rate(node.groups.treatment)}</td>
              </tr>
              {node.ports.map((port) => (
                <tr key={`${node.node_id}:${port.port}`} className="report-port">
                  <td>{t("reportNodes.port", { port: port.port })}</td>
                  <td>{formatNumber(port.customers)}</td>
                  <td>{rate(port)}</td>
                </tr>
              ))}
            </Fragment>
          ))}
        </tbody>
      </table>
    </details>
  );
}
