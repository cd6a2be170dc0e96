"""Per-customer, per-event-type summaries that make metric conditions cheap on PostgreSQL.

`customers_eventstat` holds one row per (customer, event type): how many such events
there are and the times of the most recent RECENT_KEPT of them, newest first. Triggers on
`customers_event` keep it exact on every write path (ingest, ORM, bulk SQL; inserts,
updates, deletes and TRUNCATE), so nothing in Python has to remember it.

The conditions compiler (conditions/compile.py) reads it whenever a row's newest event is
not in the future relative to the condition's `now`: then "at least k events since t" is
`recent[k] >= t`, and the last event is `recent[1]`. Rows with future events, and counts
above RECENT_KEPT, go to the events table as before, so the results stay identical.

A plain table rather than a Django model: the array column is PostgreSQL's, and there
is nothing to edit through the ORM."""

from django.db import connection

TABLE = "customers_eventstat"
RECENT_KEPT = 16  # event times kept per row: counts up to this use the summary

_CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    customer_id bigint NOT NULL,
    type varchar(100) NOT NULL,
    count bigint NOT NULL,
    recent timestamptz[] NOT NULL,
    PRIMARY KEY (customer_id, type)
);

-- The newest RECENT_KEPT of two arrays of times, newest first.
CREATE OR REPLACE FUNCTION customers_eventstat_merge(a timestamptz[], b timestamptz[])
RETURNS timestamptz[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY(SELECT t FROM unnest(a || b) AS t ORDER BY t DESC LIMIT {RECENT_KEPT})
$$;

-- The exact answers for rows with events after `now` (rare), for the compiler's slow
-- branch. Functions with a low declared cost: inlined as subqueries, their cost was
-- charged to every summary row (though a CASE runs them only for those rows), and the
-- planner then avoided scanning the summaries at all (docs/benchmarks.md).
CREATE OR REPLACE FUNCTION customers_eventstat_count(
    customer bigint, event_type text, since timestamptz, until timestamptz)
RETURNS bigint LANGUAGE plpgsql STABLE PARALLEL SAFE COST 1 AS $$
BEGIN
    RETURN (SELECT count(*) FROM customers_event AS e
            WHERE e.customer_id = customer AND e.type = event_type
              AND e.occurred_at <= until AND (since IS NULL OR e.occurred_at >= since));
END $$;

CREATE OR REPLACE FUNCTION customers_eventstat_last(
    customer bigint, event_type text, until timestamptz)
RETURNS timestamptz LANGUAGE plpgsql STABLE PARALLEL SAFE COST 1 AS $$
BEGIN
    RETURN (SELECT max(e.occurred_at) FROM customers_event AS e
            WHERE e.customer_id = customer AND e.type = event_type
              AND e.occurred_at <= until);
END $$;

-- Recount the given (customer, type) pairs from the events table. Existing rows are locked
-- first (in key order), so the recount's fresh snapshot sees every committed insert that
-- reached them; an insert that reaches them later adds itself on top.
CREATE OR REPLACE FUNCTION customers_eventstat_recount(ids bigint[], types text[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM {TABLE} AS s
        JOIN unnest(ids, types) AS p(customer_id, type)
          ON s.customer_id = p.customer_id AND s.type = p.type
        ORDER BY s.customer_id, s.type FOR UPDATE OF s;
    DELETE FROM {TABLE} AS s
        USING unnest(ids, types) AS p(customer_id, type)
        WHERE s.customer_id = p.customer_id AND s.type = p.type
          AND NOT EXISTS (SELECT 1 FROM customers_event AS e
                          WHERE e.customer_id = p.customer_id AND e.type = p.type);
    INSERT INTO {TABLE} AS s (customer_id, type, count, recent)
        SELECT e.customer_id, e.type, count(*),
               (array_agg(e.occurred_at ORDER BY e.occurred_at DESC))[1:{RECENT_KEPT}]
        FROM customers_event AS e
        JOIN (SELECT DISTINCT * FROM unnest(ids, types)) AS p(customer_id, type)
          ON e.customer_id = p.customer_id AND e.type = p.type
        GROUP BY e.customer_id, e.type
        ORDER BY e.customer_id, e.type
    ON CONFLICT (customer_id, type) DO UPDATE
        SET count = EXCLUDED.count, recent = EXCLUDED.recent;
END $$;

-- Inserts add to the rows (one upsert per statement, in key order: no deadlocks between
-- concurrent batches). ON CONFLICT DO NOTHING leaves skipped rows out of new_events.
CREATE OR REPLACE FUNCTION customers_eventstat_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {TABLE} AS s (customer_id, type, count, recent)
        SELECT customer_id, type, count(*),
               (array_agg(occurred_at ORDER BY occurred_at DESC))[1:{RECENT_KEPT}]
        FROM new_events GROUP BY customer_id, type ORDER BY customer_id, type
    ON CONFLICT (customer_id, type) DO UPDATE
        SET count = s.count + EXCLUDED.count,
            -- Usually the new events are the newest: a concatenation, without the
            -- merge function's sort (which was most of the trigger's cost).
            recent = CASE WHEN EXCLUDED.recent[cardinality(EXCLUDED.recent)] >= s.recent[1]
                          THEN (EXCLUDED.recent || s.recent)[1:{RECENT_KEPT}]
                          ELSE customers_eventstat_merge(s.recent, EXCLUDED.recent) END;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION customers_eventstat_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM customers_eventstat_recount(array_agg(customer_id), array_agg(type::text))
        FROM (SELECT DISTINCT customer_id, type FROM old_events) AS p;
    RETURN NULL;
END $$;

-- Updates recount only the pairs whose customer, type or time changed.
CREATE OR REPLACE FUNCTION customers_eventstat_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM customers_eventstat_recount(array_agg(customer_id), array_agg(type::text))
        FROM (
            SELECT o.customer_id, o.type FROM old_events AS o JOIN new_events AS n USING (id)
            WHERE (o.customer_id, o.type, o.occurred_at)
                  IS DISTINCT FROM (n.customer_id, n.type, n.occurred_at)
            UNION
            SELECT n.customer_id, n.type FROM old_events AS o JOIN new_events AS n USING (id)
            WHERE (o.customer_id, o.type, o.occurred_at)
                  IS DISTINCT FROM (n.customer_id, n.type, n.occurred_at)
        ) AS p
        HAVING count(*) > 0;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION customers_eventstat_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE {TABLE};
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS customers_eventstat_insert ON customers_event;
CREATE TRIGGER customers_eventstat_insert AFTER INSERT ON customers_event
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION customers_eventstat_inserted();
DROP TRIGGER IF EXISTS customers_eventstat_delete ON customers_event;
CREATE TRIGGER customers_eventstat_delete AFTER DELETE ON customers_event
    REFERENCING OLD TABLE AS old_events
    FOR EACH STATEMENT EXECUTE FUNCTION customers_eventstat_deleted();
DROP TRIGGER IF EXISTS customers_eventstat_update ON customers_event;
CREATE TRIGGER customers_eventstat_update AFTER UPDATE ON customers_event
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION customers_eventstat_updated();
DROP TRIGGER IF EXISTS customers_eventstat_truncate ON customers_event;
CREATE TRIGGER customers_eventstat_truncate AFTER TRUNCATE ON customers_event
    FOR EACH STATEMENT EXECUTE FUNCTION customers_eventstat_truncated();
"""

_DROP = f"""
DROP TRIGGER IF EXISTS customers_eventstat_insert ON customers_event;
DROP TRIGGER IF EXISTS customers_eventstat_delete ON customers_event;
DROP TRIGGER IF EXISTS customers_eventstat_update ON customers_event;
DROP TRIGGER IF EXISTS customers_eventstat_truncate ON customers_event;
DROP FUNCTION IF EXISTS customers_eventstat_inserted();
DROP FUNCTION IF EXISTS customers_eventstat_deleted();
DROP FUNCTION IF EXISTS customers_eventstat_updated();
DROP FUNCTION IF EXISTS customers_eventstat_truncated();
DROP FUNCTION IF EXISTS customers_eventstat_recount(bigint[], text[]);
DROP FUNCTION IF EXISTS customers_eventstat_merge(timestamptz[], timestamptz[]);
DROP FUNCTION IF EXISTS customers_eventstat_count(bigint, text, timestamptz, timestamptz);
DROP FUNCTION IF EXISTS customers_eventstat_last(bigint, text, timestamptz);
DROP TABLE IF EXISTS {TABLE};
"""

_REBUILD = f"""
TRUNCATE {TABLE};
INSERT INTO {TABLE} (customer_id, type, count, recent)
SELECT customer_id, type, count(*),
       (array_agg(occurred_at ORDER BY occurred_at DESC))[1:{RECENT_KEPT}]
FROM customers_event GROUP BY customer_id, type;
ANALYZE customers_eventstat;
"""


def event_stats_install(apps, schema_editor) -> None:
    """Migration step: the table, the triggers, and the rows for the events already there."""
    _run(schema_editor, _CREATE, _REBUILD)


def event_stats_uninstall(apps, schema_editor) -> None:
    _run(schema_editor, _DROP)


def _run(schema_editor, *scripts: str) -> None:
    with schema_editor.connection.cursor() as cursor:
        for script in scripts:  # no parameters: several statements in one call
            cursor.execute(script)


def event_stats_rebuild() -> None:
    """Recompute every row from the events table (repair, or after loading events with
    the triggers disabled)."""
    with connection.cursor() as cursor:
        cursor.execute(_REBUILD)
