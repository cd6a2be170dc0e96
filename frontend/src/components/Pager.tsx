import { PAGE_SIZE } from "../api/client";
import { t } from "../i18n";
import { formatNumber } from "../lib/format";

/** What the pages list: the catalog keys pager.<items>_* and pager.<items>Nav. */
type Items = "customers" | "events";
type Props = { page: number; count: number; onPage: (page: number) => void; items: Items };

export function Pager({ page, count, onPage, items }: Props) {
  const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
  const first = count === 0 ? 0 : (page - 1) * PAGE_SIZE + 1;
  const last = Math.min(count, page * PAGE_SIZE);
  return (
    <nav className="pager" aria-label={t(`pager.${items}Nav`)}>
      <span>
        {t(`pager.${items}`, { count, first: formatNumber(first), last: formatNumber(last), total: formatNumber(count) })}
      </span>
      <button type="button" className="button secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t("pager.previous")}
      </button>
      <span aria-current="page">
        {t("pager.page", { page: formatNumber(page), pages: formatNumber(pages) })}
      </span>
      <button type="button" className="button secondary" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t("pager.next")}
      </button>
    </nav>
  );
}
