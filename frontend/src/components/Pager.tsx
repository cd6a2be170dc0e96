import { PAGE_SIZE } from "../api/client";
import { formatNumber } from "../lib/format";

type Props = { page: number; count: number; onPage: (page: number) => void; noun: string };

export function Pager({ page, count, onPage, noun }: Props) {
  const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
  const first = count === 0 ? 0 : (page - 1) * PAGE_SIZE + 1;
  const last = Math.min(count, page * PAGE_SIZE);
  return (
    <nav className="pager" aria-label={`${noun} pages`}>
      <span>
        {formatNumber(first)}–{formatNumber(last)} of {formatNumber(count)} {noun}
      </span>
      <button type="button" className="button secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ← Previous
      </button>
      <span aria-current="page">
        Page {page} of {pages}
      </span>
      <button type="button" className="button secondary" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next →
      </button>
    </nav>
  );
}
