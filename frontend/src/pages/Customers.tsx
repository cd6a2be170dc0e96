import { type FormEvent, useState } from "react";
import { Trans } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { api } from "../api/client";
import { Pager } from "../components/Pager";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { t } from "../i18n";
import { customerName, formatDecimal, formatMoney, relativeTime } from "../lib/format";
import { ariaSort, nextOrdering, sortState } from "../lib/ordering";
import { useApi } from "../lib/useApi";
import { tierLabel } from "../lib/tiers";

// The default tiers (KEEPFLOW_CLV_TIERS); a tier in the address that is not one of them
// is offered too.
const TIERS = ["vip", "high", "standard", "low"];
const SCORE_COLUMNS = [
  { field: "churn_score", label: "customers.churn" },
  { field: "p_alive", label: "customers.alive" },
  { field: "clv", label: "customers.clv" },
] as const;
const docs = <a href="/api/docs/" />;
const code = <code />;

export function Customers() {
  const [params, setParams] = useSearchParams();
  const search = params.get("search") ?? "";
  const ordering = params.get("ordering") ?? "";
  const tier = params.get("tier") ?? "";
  const minScore = params.get("churn_score_min") ?? "";
  const page = Math.max(1, Number(params.get("page")) || 1);
  const [draft, setDraft] = useState(search);
  const [minDraft, setMinDraft] = useState(minScore);
  const { data, error, loading, reload } = useApi(
    (signal) => api.customers({ search, page, ordering, tier, churn_score_min: minScore }, signal),
    [search, page, ordering, tier, minScore],
  );
  const filtered = Boolean(search || tier || minScore);

  /** The address keeps the list's state; any change but paging starts at page 1. */
  function update(changes: Record<string, string>) {
    const next: Record<string, string> = { search, ordering, tier, churn_score_min: minScore, ...changes };
    setParams(Object.fromEntries(Object.entries(next).filter(([, value]) => value)));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    update({ search: draft.trim(), churn_score_min: minDraft.trim() });
  }

  function clear() {
    setDraft("");
    setMinDraft("");
    setParams(ordering ? { ordering } : {});
  }

  const sort = sortState(ordering);
  return (
    <>
      <div className="page-head">
        <h1>{t("shell.nav.customers")}</h1>
      </div>
      <form className="toolbar" role="search" onSubmit={submit}>
        <label htmlFor="customer-search">{t("customerList.search")}</label>
        <input id="customer-search" type="search" value={draft} onChange={(e) => setDraft(e.target.value)}
          placeholder={t("customerList.searchPlaceholder")} />
        <label htmlFor="customer-tier">{t("customers.tier")}</label>
        <select id="customer-tier" value={tier} onChange={(e) => update({ tier: e.target.value })}>
          <option value="">{t("customers.anyTier")}</option>
          {[...TIERS, ...(tier && !TIERS.includes(tier) ? [tier] : [])].map((name) => (
            <option key={name} value={name}>{tierLabel(name)}</option>
          ))}
        </select>
        <label htmlFor="customer-min-score">{t("customers.minScore")}</label>
        <input id="customer-min-score" type="number" min={0} max={1} step={0.05} className="narrow"
          value={minDraft} onChange={(e) => setMinDraft(e.target.value)}
          placeholder={t("customers.minScorePlaceholder")} />
        <button type="submit" className="button">{t("customers.filter")}</button>
        {filtered && (
          <button type="button" className="button secondary" onClick={clear}>
            {t("customerList.clear")}
          </button>
        )}
      </form>
      {error ? (
        <ErrorMessage error={error} onRetry={reload} />
      ) : !data ? (
        loading && <Loading />
      ) : data.count === 0 ? (
        search && !tier && !minScore ? (
          <EmptyState title={t("customerList.noMatch", { search })}>{t("customerList.noMatchBody")}</EmptyState>
        ) : filtered ? (
          <EmptyState title={t("customers.noMatch")}>{t("customers.noMatchBody")}</EmptyState>
        ) : (
          <EmptyState title={t("customerList.empty")}>
            <Trans i18nKey="customerList.emptyBody" components={{ docs, code }} />
          </EmptyState>
        )
      ) : (
        <section className="card flush" aria-busy={loading}>
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t("words.name")}</th>
                <th scope="col">{t("customer.externalId")}</th>
                <th scope="col">{t("customer.email")}</th>
                <th scope="col">{t("customers.tier")}</th>
                {SCORE_COLUMNS.map(({ field, label }) => (
                  <th scope="col" key={field} aria-sort={ariaSort(ordering, field)} className="numeric">
                    <button type="button" className="sort" onClick={() => update({ ordering: nextOrdering(ordering, field) })}
                      title={t("customers.sortBy", { column: t(label) })}>
                      {t(label)}
                      <span aria-hidden="true">{sort?.field === field ? (sort.descending ? " ↓" : " ↑") : ""}</span>
                    </button>
                  </th>
                ))}
                <th scope="col">{t("customer.plan")}</th>
                <th scope="col">{t("customer.lastSeen")}</th>
              </tr>
            </thead>
            <tbody>
              {data.results.map((customer) => (
                <tr key={customer.external_id}>
                  <td>
                    <Link to={`/customers/${encodeURIComponent(customer.external_id)}`}>{customerName(customer)}</Link>
                  </td>
                  <td><code>{customer.external_id}</code></td>
                  <td>{customer.email || <span className="muted">—</span>}</td>
                  <td>{customer.tier ? <span className={`badge tier-${customer.tier}`}>{tierLabel(customer.tier)}</span> : "—"}</td>
                  <td className="numeric">{score(customer.churn_score)}</td>
                  <td className="numeric">{score(customer.p_alive)}</td>
                  <td className="numeric">{customer.clv === null ? <span className="muted">—</span> : formatMoney(customer.clv)}</td>
                  <td>{String(customer.attributes.plan ?? "—")}</td>
                  <td>{relativeTime(customer.last_seen_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={page} count={data.count} onPage={(next) => update({ page: String(next) })} items="customers" />
        </section>
      )}
    </>
  );
}

function score(value: number | null) {
  return value === null ? <span className="muted" title={t("customers.notScored")}>—</span> : formatDecimal(value);
}
