// The workflow report in words: the verdict from its kind and numbers (the API's own
// `verdict.text` is English only), and numbers as a person reads them.
import type { ReportComparison } from "../api/types";
import { t } from "../i18n";

/** A share (0.0523) as percentage points with one decimal ("5.2"). */
export function pp(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return "–";
  const value = Math.round(share * 1000) / 10;
  return (Object.is(value, -0) ? 0 : value).toFixed(1);
}

/** A sample size to two significant figures, rounded up (about 4,200, not 4,193). */
export function roundUp(n: number): number {
  if (n < 100) return n;
  const step = 10 ** (String(Math.trunc(n)).length - 2);
  return Math.ceil(n / step) * step;
}

export function verdictText(report: Pick<ReportComparison, "verdict" | "lift" | "groups">): string {
  const { kind } = report.verdict;
  const lift = report.lift;
  switch (kind) {
    case "no_data":
    case "no_goal":
    case "no_effect":
      return t(`report.verdict.${kind}`);
    case "no_control":
      return report.groups.control.customers > 0 && report.groups.treatment.customers === 0
        ? t("report.verdict.all_held_out") : t("report.verdict.no_control");
    case "not_enough_data": {
      if (lift?.more_customers) return t("report.verdict.not_enough_more", { count: roundUp(lift.more_customers).toLocaleString("en") });
      const converted = (report.groups.treatment.converted ?? 0) + (report.groups.control.converted ?? 0);
      if (!converted || !lift) return t("report.verdict.not_enough_none");
      return t("report.verdict.not_enough_wide", { low: pp(lift.absolute_ci.low), high: pp(lift.absolute_ci.high) });
    }
    case "lift":
    case "drop":
      return t(`report.verdict.${kind}`, {
        value: pp(Math.abs(lift?.absolute ?? 0)), low: pp(lift?.absolute_ci.low), high: pp(lift?.absolute_ci.high),
      });
    default:
      return report.verdict.text;
  }
}

/** A p-value as a person reads it: "< 0.001" rather than 1.2e-7. */
export function pValueText(p: number): string {
  if (p < 0.001) return "< 0.001";
  return p.toFixed(3);
}
