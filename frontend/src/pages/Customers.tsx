import { type FormEvent, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api } from "../api/client";
import { Pager } from "../components/Pager";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { customerName, relativeTime } from "../lib/format";
import { useApi } from "../lib/useApi";

export function Customers() {
  const [params, setParams] = useSearchParams();
  const search = params.get("search") ?? "";
  const page = Math.max(1, Number(params.get("page")) || 1);
  const [draft, setDraft] = useState(search);
  const { data, error, loading, reload } = useApi(
    (signal) => api.customers({ search, page }, signal),
    [search, page],
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    setParams(draft.trim() ? { search: draft.trim() } : {});
  }

  function goTo(next: number) {
    setParams({ ...(search ? { search } : {}), page: String(next) });
  }

  return (
    <>
      <div className="page-head">
        <h1>Customers</h1>
      </div>
      <form className="toolbar" role="search" onSubmit={submit}>
        <label htmlFor="customer-search">Search customers</label>
        <input id="customer-search" type="search" value={draft} onChange={(e) => setDraft(e.target.value)}
          placeholder="Name, e-mail, phone or external id" />
        <button type="submit" className="button">Search</button>
        {search && (
          <button type="button" className="button secondary" onClick={() => { setDraft(""); setParams({}); }}>
            Clear
          </button>
        )}
      </form>
      {error ? (
        <ErrorMessage error={error} onRetry={reload} />
      ) : !data ? (
        loading && <Loading />
      ) : data.count === 0 ? (
        search ? (
          <EmptyState title={`No customer matches “${search}”.`}>Try part of a name, an e-mail or an external id.</EmptyState>
        ) : (
          <EmptyState title="No customers yet.">
            Customers appear when you send events or profiles through the API (<a href="/api/docs/">API docs</a>),
            or run <code>python manage.py setup_demo</code> for demo data.
          </EmptyState>
        )
      ) : (
        <section className="card flush" aria-busy={loading}>
          <table className="list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">External id</th>
                <th scope="col">E-mail</th>
                <th scope="col">Tier</th>
                <th scope="col">Plan</th>
                <th scope="col">Last seen</th>
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
                  <td>{customer.tier ? <span className={`badge tier-${customer.tier}`}>{customer.tier}</span> : "—"}</td>
                  <td>{String(customer.attributes.plan ?? "—")}</td>
                  <td>{relativeTime(customer.last_seen_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={page} count={data.count} onPage={goTo} noun="customers" />
        </section>
      )}
    </>
  );
}
