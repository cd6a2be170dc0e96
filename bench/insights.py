"""Fit and score the churn and spend models over 1,000,000 customers with 10,000,000
purchase events (docs/insights.md); every customer is also a contract customer with
feedback, ticket and cancellation events, so the rule score is measured at full scale.

A scratch database is migrated with the app's own migrations; customers come from
generate_series, purchases are simulated in numpy from the BG/NBD and Gamma-Gamma
stories (seeded) and COPYed in (secondary indexes and the event triggers off during the
load, then rebuilt). The data is kept
between runs (--fresh regenerates it). Then `churn_fit` runs once, in this process, as
the nightly job would: time per phase and the process's peak memory (ru_maxrss).
"""

from __future__ import annotations

import resource
import time
from datetime import date, timedelta
from typing import Any

import psycopg

from bench.support import (
    bench_data_present,
    database_name,
    database_recreate,
    django_production_setup,
    env_url,
    say,
)

DATABASE_URL = env_url("BENCH_INSIGHTS_DATABASE_URL",
                       "postgres://postgres@127.0.0.1:5432/keepflow_bench_insights")
CUSTOMERS = 1_000_000
QUICK_CUSTOMERS = 100_000
DATA_VERSION = 3
AS_OF = date(2026, 6, 30)
TARGETS = {"seconds": 300, "peak_memory_gib": 4.0}

_CUSTOMERS_SQL = """
INSERT INTO customers_customer (external_id, email, phone, first_name, last_name, timezone,
    locale, attributes, tags, consent, tier, churn_reason, created_at, updated_at)
SELECT 'cust-' || g, '', '', '', '', 'UTC', '', '{}', '[]', '{}', '', '', now(), now()
FROM generate_series(1, %(customers)s) AS g
"""

# The purchases, drawn in numpy from the BG/NBD story (so the model is identified) and
# COPYed in as (customer number, day, amount); the INSERT below makes them events.
_EVENTS_SQL = """
INSERT INTO customers_event (customer_id, type, properties, occurred_at, received_at,
                             idempotency_key, source)
SELECT %(first_id)s + p.customer - 1, 'order.completed', jsonb_build_object('amount', p.amount),
       %(start)s::timestamptz + p.day * interval '1 day', now(), 'gen-' || p.n, 'import'
FROM bench_purchases AS p
"""


# Every customer on contract (ends from 60 days ago to 440 days ahead), 60 % with an NPS
# answer in the last year, 30 % with a ticket in the last 180 days, 5 % asking to cancel.
_CONTRACTS_SQL = [
    """UPDATE customers_customer SET attributes = jsonb_build_object('contract_end',
           to_char(%(as_of)s::date + ((id * 7919) %% 500 - 60)::int, 'YYYY-MM-DD'))""",
    """INSERT INTO customers_event (customer_id, type, properties, occurred_at, received_at,
                                   idempotency_key, source)
       SELECT id, t.type, t.props, %(end)s::timestamptz - random() * t.days * interval '1 day',
              now(), 'gen-' || t.type || '-' || id, 'import'
       FROM customers_customer, LATERAL (VALUES
           ('feedback.submitted', jsonb_build_object('score', floor(random() * 11 + id * 0)::int),
            365, 0.6),
           ('support.ticket_opened', '{}'::jsonb, 180, 0.3),
           ('cancellation.requested', '{}'::jsonb, 120, 0.05)) AS t(type, props, days, share)
       WHERE random() < t.share""",
]


def purchases_simulate(customers: int, seed: int = 19) -> tuple:
    """(customer number from 1, day from the start of the two years, amount): first
    purchases spread over 730 days, repeat purchases from BG/NBD (lambda ~ Gamma(1.2, 12
    days), dropout p ~ Beta(2, 16)), amounts from Gamma-Gamma. About 10 per customer."""
    import numpy as np

    from apps.insights.bgnbd import BgNbdParams, bgnbd_simulate_purchases

    rng = np.random.default_rng(seed)
    first = rng.integers(0, 730, customers)
    owners, times = bgnbd_simulate_purchases(BgNbdParams(1.2, 12.0, 2.0, 16.0),
                                             first.astype(float), rng)
    owner_all = np.concatenate([np.arange(customers), owners])
    day_all = np.concatenate([730.0 - first, 730.0 - first[owners] + times])
    nu = rng.gamma(4.0, 1 / 15, customers)
    amount = np.round(rng.gamma(6.0, 1 / nu[owner_all]), 2)
    return owner_all + 1, np.minimum(day_all, 730.999), amount


def purchases_copy(conn: psycopg.Connection, customers: int) -> int:
    owner, day, amount = purchases_simulate(customers)
    conn.execute("CREATE UNLOGGED TABLE bench_purchases (n bigint, customer int, day float8, "
                 "amount numeric)")
    chunk = 1_000_000
    with conn.cursor().copy("COPY bench_purchases FROM STDIN") as copy:
        for start in range(0, len(owner), chunk):
            end = start + chunk
            copy.write("".join(
                f"{n}\t{c}\t{d:.5f}\t{a:.2f}\n" for n, c, d, a in zip(
                    range(start, end), owner[start:end].tolist(), day[start:end].tolist(),
                    amount[start:end].tolist(), strict=False)))
    return len(owner)


def generate(customers: int) -> dict[str, Any]:
    from bench.segments import _secondary_indexes

    started = time.monotonic()
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("SELECT setseed(0.19)")
        rebuilt: list[str] = []
        for table in ("customers_customer", "customers_event"):
            for drop, create in _secondary_indexes(conn, table):
                conn.execute(drop)
                rebuilt.append(create)
        conn.execute("ALTER TABLE customers_event DISABLE TRIGGER USER")  # event stats
        say(f"insights: generating {customers:,} customers")
        conn.execute(_CUSTOMERS_SQL, {"customers": customers})
        say("insights: simulating purchases and COPYing them in")
        purchases_copy(conn, customers)
        first_id = conn.execute("SELECT min(id) FROM customers_customer").fetchone()[0]
        say("insights: purchases -> events")
        conn.execute(_EVENTS_SQL, {"first_id": first_id,
                                   "start": f"{AS_OF - timedelta(days=730)} 00:00:00+00"})
        conn.execute("DROP TABLE bench_purchases")
        say("insights: contracts, feedback, tickets and cancellation requests")
        for sql in _CONTRACTS_SQL:
            conn.execute(sql, {"as_of": AS_OF, "end": f"{AS_OF + timedelta(days=1)} 00:00:00+00"})
        conn.execute("ALTER TABLE customers_event ENABLE TRIGGER USER")
        say(f"insights: rebuilding {len(rebuilt)} indexes and constraints")
        for create in rebuilt:
            conn.execute(create)
        say("insights: VACUUM ANALYZE")
        conn.execute("VACUUM ANALYZE customers_customer")
        conn.execute("VACUUM ANALYZE customers_event")
        conn.execute("CREATE TABLE bench_meta (customers int, version int)")
        conn.execute("INSERT INTO bench_meta VALUES (%s, %s)", [customers, DATA_VERSION])
        counts = {
            "customers": conn.execute("SELECT count(*) FROM customers_customer").fetchone()[0],
            "events": conn.execute("SELECT count(*) FROM customers_event").fetchone()[0],
        }
    return {**counts, "seconds": round(time.monotonic() - started, 1)}


# A reused database's earlier scores, history, breakdowns and crossings (the data stays).
_SCORES_FORGET_SQL = [
    "TRUNCATE insights_scorepoint, insights_churnbreakdown, insights_modelfit",
    "DELETE FROM customers_event WHERE type = 'churn_score.crossed'",
    """UPDATE customers_customer SET churn_score = NULL, p_alive = NULL, clv = NULL,
       tier = '', churn_reason = '', scored_at = NULL WHERE scored_at IS NOT NULL""",
    "VACUUM ANALYZE customers_customer",
]


def run(quick: bool = False, fresh: bool = False) -> dict[str, Any]:
    customers = QUICK_CUSTOMERS if quick else CUSTOMERS
    generation: dict[str, Any] | str = "reused from an earlier run"
    if fresh or not bench_data_present(DATABASE_URL, customers, DATA_VERSION):
        say(f"insights: recreating database {database_name(DATABASE_URL)}")
        database_recreate(DATABASE_URL)
        django_production_setup(DATABASE_URL)
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)
        generation = generate(customers)
    else:
        say(f"insights: reusing {customers:,} customers in {database_name(DATABASE_URL)}; "
            "forgetting their scores, so the first fit is a first scoring again")
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            for sql in _SCORES_FORGET_SQL:
                conn.execute(sql)
        django_production_setup(DATABASE_URL)
    from apps.insights.services import churn_fit

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    say("insights: churn_fit (summary, fit, score, write)")
    started = time.monotonic()
    fit = churn_fit(AS_OF)
    seconds = round(time.monotonic() - started, 1)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    say(f"insights: {seconds} s, phases {fit.phase_seconds}, peak RSS {peak_kib / 1024:.0f} MiB")
    # The next night: the same purchases a day later. Scores drift a little; the score
    # history stores only the customers whose scores moved (the first fit stored everyone).
    from apps.insights.models import ScorePoint

    points_first = ScorePoint.objects.count()
    say("insights: churn_fit a day later (the score history's steady state)")
    started = time.monotonic()
    next_fit = churn_fit(AS_OF + timedelta(days=1))
    next_seconds = round(time.monotonic() - started, 1)
    points_next = ScorePoint.objects.count() - points_first
    say(f"insights: {next_seconds} s, phases {next_fit.phase_seconds}, {points_next:,} "
        f"history points")
    peak_gib = round(peak_kib / 1024 / 1024, 2)
    return {
        "database": database_name(DATABASE_URL),
        "customers": customers,
        "generation": generation,
        "as_of": AS_OF.isoformat(),
        "fit": {"converged": fit.converged, "reason": fit.reason, "customers": fit.customers,
                "repeat_customers": fit.repeat_customers,
                "contract_customers": fit.contract_customers,
                "bgnbd": {"r": fit.r, "alpha": fit.alpha, "a": fit.a, "b": fit.b,
                          "log_likelihood": fit.log_likelihood},
                "gamma_gamma": {"p": fit.p, "q": fit.q, "gamma": fit.gamma}},
        "seconds": seconds,
        "phase_seconds": fit.phase_seconds,
        "history_points": points_first,
        "next_day": {"seconds": next_seconds, "phase_seconds": next_fit.phase_seconds,
                     "history_points": points_next},
        "peak_rss_mib": round(peak_kib / 1024),
        "rss_before_fit_mib": round(rss_before / 1024),
        "targets": TARGETS,
        "targets_met": {"seconds": seconds < TARGETS["seconds"],
                        "peak_memory": peak_gib < TARGETS["peak_memory_gib"]},
    }


def summary(body: dict[str, Any]) -> str:
    met = ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in body["targets_met"].items())
    phases = ", ".join(f"{k} {v} s" for k, v in body["phase_seconds"].items())
    return (f"INSIGHTS: churn_fit over {body['fit']['customers']:,} customers "
            f"({body['fit']['repeat_customers']:,} repeat buyers, "
            f"{body['fit'].get('contract_customers', 0):,} contract customers)\n"
            f"{body['seconds']} s ({phases}); peak RSS {body['peak_rss_mib']} MiB\n"
            f"a day later: {body['next_day']['seconds']} s, "
            f"{body['next_day']['history_points']:,} history points "
            f"(first fit: {body['history_points']:,})\n"
            f"targets {body['targets']} -> {met}")
