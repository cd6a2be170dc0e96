// The one way the app talks to the API: same-origin fetch with the session cookie,
// Django's CSRF token on writes, and errors turned into ApiError with a readable message.
import { i18n } from "../i18n";
import type {
  ApiErrorBody, ApiFieldError, Customer, CustomerDetail, CustomerEvent, Page, ScoreHistory, Stats,
} from "./types";

export class ApiError extends Error {
  readonly status: number;
  readonly errors: ApiFieldError[];
  /** The whole error body (e.g. a 409's current_revision). */
  readonly body: Record<string, unknown>;

  constructor(status: number, message: string, errors: ApiFieldError[] = [], body: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.errors = errors;
    this.body = body;
  }

  /** The session ended or never was: the user has to sign in again. */
  get signedOut(): boolean {
    return this.status === 401 || (this.status === 403 && /credentials/i.test(this.message));
  }
}

export function cookie(name: string, source: string = document.cookie): string | null {
  for (const part of source.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

export function csrfToken(): string {
  return cookie("csrftoken") ?? "";
}

/** A query string from the set parameters only (empty and undefined ones are left out). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  // The server answers (errors, the block catalog) in the UI's language.
  const headers: Record<string, string> = {
    Accept: "application/json",
    "Accept-Language": i18n.resolvedLanguage ?? i18n.language ?? "en",
  };
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    headers["X-CSRFToken"] = csrfToken();
  }
  let response: Response;
  try {
    response = await fetch(`/api/v1/${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, "Keepflow could not be reached. Is the server running?");
  }
  if (response.ok) {
    return (response.status === 204 ? undefined : await response.json()) as T;
  }
  let payload: Partial<ApiErrorBody> = {};
  try {
    payload = await response.json();
  } catch {
    // not JSON (a proxy's error page): fall back on the status line
  }
  const detail = payload.detail || `${response.status} ${response.statusText || "error"}`;
  throw new ApiError(response.status, detail, payload.errors ?? [], payload as Record<string, unknown>);
}

export const api = {
  stats: (signal?: AbortSignal) => request<Stats>("GET", "stats", undefined, signal),
  customers: (params: {
    search?: string; page?: number; ordering?: string; tier?: string; churn_score_min?: string;
  }, signal?: AbortSignal) =>
    request<Page<Customer>>("GET", `customers${query(params)}`, undefined, signal),
  customer: (externalId: string, signal?: AbortSignal) =>
    request<CustomerDetail>("GET", `customers/${encodeURIComponent(externalId)}`, undefined, signal),
  scoreHistory: (externalId: string, params: { from?: string; to?: string } = {}, signal?: AbortSignal) =>
    request<ScoreHistory>("GET", `customers/${encodeURIComponent(externalId)}/score-history${query(params)}`, undefined, signal),
  events: (params: { type?: string; customer?: string; page?: number; page_size?: number }, signal?: AbortSignal) =>
    request<Page<CustomerEvent>>("GET", `events${query(params)}`, undefined, signal),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, body),
  get: <T>(path: string, signal?: AbortSignal) => request<T>("GET", path, undefined, signal),
  put: <T>(path: string, body: unknown) => request<T>("PUT", path, body),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
  del: (path: string) => request<void>("DELETE", path),
};

/** Endpoints that may not exist yet on this server (runs, counts, tasks): null on 404. */
export async function optional<T>(load: Promise<T>): Promise<T | null> {
  try {
    return await load;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}

export const PAGE_SIZE = 50;
