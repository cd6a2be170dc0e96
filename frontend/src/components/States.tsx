import type { ReactNode } from "react";
import { ApiError } from "../api/client";
import { t } from "../i18n";
import { humanize, problemWords } from "../lib/problems";

export function Loading({ label }: { label?: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      {label ?? t("ui.loading")}
    </p>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children ? <div className="state-body">{children}</div> : null}
    </div>
  );
}

type ErrorProps = { error: Error; onRetry?: () => void; notFound?: string };

export function ErrorMessage({ error, onRetry, notFound: notFoundText }: ErrorProps) {
  const signedOut = error instanceof ApiError && error.signedOut;
  const notFound = error instanceof ApiError && error.status === 404;
  const fields = error instanceof ApiError ? error.errors : [];
  const invalid = error instanceof ApiError && error.status === 400;
  // A 400's detail is the generic "Invalid input.": the fields say what is wrong.
  const detail = invalid && fields.length ? "" : error.message;
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">
        {signedOut ? t("errors.sessionEnded") : notFound ? t("errors.notFound") : invalid ? t("errors.invalid") : t("errors.generic")}
      </p>
      {(signedOut || notFound || detail) && <p>{signedOut ? t("ui.signInAgain") : notFound ? notFoundText ?? t("ui.maybeDeleted") : detail}</p>}
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={`${f.field}:${f.code}`}>
              {humanize(f.field ?? "") ? `${humanize(f.field ?? "")}: ` : ""}{problemWords(f)}
            </li>
          ))}
        </ul>
      )}
      {signedOut ? (
        <a className="button" href={`/login/?next=${encodeURIComponent(location.pathname + location.search)}`}>
          {t("ui.signIn")}
        </a>
      ) : onRetry && !notFound ? (
        <button type="button" className="button" onClick={onRetry}>
          {t("ui.retry")}
        </button>
      ) : null}
    </div>
  );
}
