"""`make bench` / `python -m bench [ingest] [segments] [--quick]`: run the benchmarks,
write bench/results/<name>.json and print a summary table.

Not part of `make test`: benchmarks need the machine to themselves and take minutes.
"""

import argparse
import sys
import time
from typing import Any

from bench.support import machine_facts, now_iso, results_write, say

BENCHES = ["ingest", "segments"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHES, []], default=[],
                        help="which benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="shorter runs and smaller data: a smoke test, not figures")
    parser.add_argument("--profile", action="store_true",
                        help="ingest: sample the web workers with py-spy during each scenario")
    parser.add_argument("--fresh", action="store_true",
                        help="segments: regenerate the 1,000,000 customers even if present")
    args = parser.parse_args(argv)
    names = args.names or BENCHES
    summaries = []
    for name in names:
        started, started_at = time.monotonic(), now_iso()
        if name == "ingest":
            from bench import ingest

            facts = machine_facts(ingest.DATABASE_URL)
            body = ingest.run(quick=args.quick, profile=args.profile)
            summaries.append(ingest_summary(body))
        else:
            from bench import segments

            facts = machine_facts(segments.DATABASE_URL)
            body = segments.run(quick=args.quick, fresh=args.fresh)
            summaries.append(segments_summary(body))
        payload = {
            "benchmark": name,
            "started_at": started_at,
            "finished_at": now_iso(),
            "wall_seconds": round(time.monotonic() - started, 1),
            "quick": args.quick,
            "machine": facts,
            **body,
        }
        path = results_write(name + ("-quick" if args.quick else ""), payload)
        say(f"{name}: results written to {path}")
    print("\n\n".join(summaries))
    return 0


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [headers, *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in
                       enumerate(zip(row, widths, strict=True))) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def ingest_summary(body: dict[str, Any]) -> str:
    tuning = table(
        ["gunicorn config", "req/s", "p50 ms", "p99 ms", "app CPU ms/req", "db CPU ms/req"],
        [[t["server"], t["requests_per_s"], t["latency_ms"]["p50"], t["latency_ms"]["p99"],
          t["cpu_ms_per_request"]["app"], t["cpu_ms_per_request"]["postgres"]]
         for t in body["tuning"]],
    )
    runs = table(
        ["scenario", "req/s", "events/s", "p50 ms", "p99 ms", "errors", "stored ok",
         "req/s if alone*", "CPU s app/db/client/other"],
        [[s["scenario"], s["requests_per_s"], s["events_per_s"], s["latency_ms"]["p50"],
          s["latency_ms"]["p99"], sum(s["errors"].values()), s["stored_matches"],
          s["ceiling_requests_per_s_if_alone"],
          "/".join(str(s["cpu_seconds"][k]) for k in ("app", "postgres", "client", "other"))]
         for s in body["scenarios"]],
    )
    profiles = [
        f"where the web workers' CPU went, {s['scenario']}:\n" + "\n".join(
            f"  {share:5.1f} %  {name}" for name, share in s["profile"]["share_percent"].items())
        for s in body["scenarios"] if s.get("profile")
    ]
    met = ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in body["targets_met"].items())
    return (f"INGEST (best config: {body['best_server_config']['name']})\n"
            f"{tuning}\n\n{runs}\n\n" + "".join(p + "\n\n" for p in profiles)
            + "* cores / CPU per request (web + PostgreSQL + Redis + wrk): the rate if no"
            " other work shared the machine; an estimate, not a measurement\n\n"
            + f"targets {body['targets']} -> {met}")


def segments_summary(body: dict[str, Any]) -> str:
    rows = [[q["name"], q["count"], q["median_ms"], q["p95_ms"], q["runs"]]
            for q in body["segments"]]
    met = "met" if body["target_met"] else "MISSED"
    return (f"SEGMENT COUNTS over {body['customers']:,} customers "
            f"(via {body['compiler']})\n"
            + table(["segment", "count", "median ms", "p95 ms", "runs"], rows)
            + f"\n\ntarget: under {body['target_ms']} ms -> {met}")


if __name__ == "__main__":
    sys.exit(main())
