// Shapes of the API responses the app reads. They mirror the serializers behind
// /api/schema/ (apps/customers/serializers.py, apps/web/api.py, apps/accounts/serializers.py).

export type ApiFieldError = { field: string; code: string; message: string };
export type ApiErrorBody = { detail: string; errors: ApiFieldError[] };

export type Page<T> = {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
};

export type ConsentStatus = "granted" | "denied" | "unknown";
export type ConsentEntry = { status: ConsentStatus; source?: string; at?: string };
export type Channel = "email" | "sms" | "call";
export const CHANNELS: Channel[] = ["email", "sms", "call"];

export type Customer = {
  external_id: string;
  email: string;
  phone: string;
  first_name: string;
  last_name: string;
  timezone: string;
  locale: string;
  attributes: Record<string, unknown>;
  tags: string[];
  consent: Partial<Record<Channel, ConsentEntry>>;
  churn_score: number | null;
  clv: string | null;
  tier: string;
  created_at: string;
  updated_at: string;
  last_seen_at: string | null;
};

export type TimelineItem = {
  kind: string;
  at: string;
  title: string;
  data: Record<string, unknown>;
};

export type CustomerDetail = Customer & { segments: string[]; timeline: TimelineItem[] };

export type CustomerEvent = {
  id: number;
  customer_id: string;
  type: string;
  properties: Record<string, unknown>;
  occurred_at: string;
  received_at: string;
  idempotency_key: string;
  source: string;
};

export type DayCount = { date: string; count: number };
export type TypeCount = { type: string; count: number };

export type Stats = {
  generated_at: string;
  customers: number;
  events_total: number;
  events_last_24h: number;
  events_last_7d: number;
  segments: number;
  events_per_day: DayCount[];
  event_types: TypeCount[];
};
