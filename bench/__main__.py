"""`make bench` / `python -m bench [ingest] [segments] [canvas] [engine] [engine_storage]
[messages] [http_ways] [insights] [reports] [--quick]`: run the
benchmarks, write bench/results/<name>.json and print a summary table.

Not part of `make test`: benchmarks need the machine to themselves and take minutes.
"""

import argparse
import sys
import time
from typing import Any

from bench.support import machine_facts, now_iso, results_write, say

BENCHES = ["ingest", "segments", "canvas", "engine", "engine_storage", "messages", "http_ways",
           "insights", "reports"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHES, []], default=[],
                        help="which benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="shorter runs and smaller data: a smoke test, not figures")
    parser.add_argument("--profile", action="store_true",
                        help="ingest: sample the web workers with py-spy during each scenario")
    parser.add_argument("--fresh", action="store_true",
                        help="segments, insights, reports: regenerate the data even if present")
    parser.add_argument("--no-profile", action="store_true",
                        help="engine: do not sample the workers with py-spy")
    parser.add_argument("--seconds", type=int, default=None,
                        help="http_ways: seconds of load per way in (default 20)")
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
        elif name == "canvas":
            from bench import canvas

            facts = machine_facts(canvas.DATABASE_URL)
            body = canvas.run(quick=args.quick)
            summaries.append(canvas_summary(body))
        elif name == "engine":
            from bench import engine

            facts = machine_facts(engine.DATABASE_URL)
            body = engine.run(quick=args.quick, profile=not args.no_profile)
            summaries.append(engine_summary(body))
        elif name == "engine_storage":
            from bench import engine_storage

            facts = machine_facts(engine_storage.DATABASE_URL)
            body = engine_storage.run(runs=engine_storage.QUICK_RUNS if args.quick
                                      else engine_storage.RUNS)
            summaries.append(engine_storage.summary(body))
        elif name == "messages":
            from bench import messages

            facts = machine_facts(messages.DATABASE_URL)
            body = messages.run(quick=args.quick)
            summaries.append(messages_summary(body))
        elif name == "http_ways":
            from bench import http_ways

            facts = machine_facts(http_ways.DATABASE_URL)
            body = http_ways.run(quick=args.quick, seconds=args.seconds)
            summaries.append(http_ways.summary(body))
        elif name == "insights":
            from bench import insights

            facts = machine_facts(insights.DATABASE_URL)
            body = insights.run(quick=args.quick, fresh=args.fresh)
            summaries.append(insights.summary(body))
        elif name == "reports":
            from bench import reports

            facts = machine_facts(reports.DATABASE_URL)
            body = reports.run(quick=args.quick, fresh=args.fresh)
            summaries.append(reports.summary(body))
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


def canvas_summary(body: dict[str, Any]) -> str:
    rows = [[i + 1, r["cache"], r["loaded_ms"], r["interactive_ms"], r["nodes_in_dom"]]
            for i, r in enumerate(body["loads"])]
    sizes = table(["bundle part", "files", "raw kB", "gzip kB"],
                  [[name, part["files"], round(part["raw_bytes"] / 1024, 1),
                    round(part["gzip_bytes"] / 1024, 1)] for name, part in body["bundle"].items()])
    met = "met" if body["target_met"] else "MISSED"
    return (f"CANVAS: a {body['nodes']}-node workflow in headless Chromium {body['browser']}\n"
            + table(["load", "cache", "all blocks ms", "interactive ms", "nodes in DOM"], rows)
            + f"\n\n{sizes}\n\ntarget: interactive under {body['target_ms']} ms -> {met}"
            + f" (1-minute load average during the run: {body['load_average_1m']:.1f}; Chromium"
            f" CPU per load: {body['browser_cpu_ms_per_load']} ms)")


def engine_summary(body: dict[str, Any]) -> str:
    throughput = table(
        ["worker processes", "variant", "runs", "runs/s", "steps/s", "CPU s worker/db"],
        [[t["worker_processes"], t["variant"], t["runs"], t["runs_per_s"], t["steps_per_s"],
          f"{t['cpu_seconds']['worker']}/{t['cpu_seconds']['postgres']}"]
         for t in body["throughput"]])
    lat = body["latency_at_half_peak"]
    stream = body.get("latency_at_half_peak_stream")
    memory = table(["waiting runs", "worker RSS MB", "idle timer scan ms"],
                   [[f"{m['waiting_runs']:,}", m["worker_rss_mb_total"], m["idle_timer_scan_ms"]]
                    for m in body["memory"]])
    timers = body["timers"]
    where = "".join(
        f"\n\nwhere the pool processes' time went, {t['worker_processes']} processes, "
        f"{t['variant']} (inclusive):\n" + "\n".join(
            f"  {share:5.1f} %  {name}"
            for name, share in t["profile"]["inclusive_percent"].items())
        for t in body["throughput"] if t.get("profile"))
    met = ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in body["targets_met"].items())
    return (f"ENGINE (reference workflow: {' -> '.join(body['settings']['graph'])})\n"
            f"{throughput}\n\nevent -> outbox at {lat['target_rate_per_s']}/s, a call every "
            f"100 ms ({lat['events']} events): p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms\n"
            + (f"event -> outbox at {stream['target_rate_per_s']}/s, a call every 10 ms "
               f"({stream['events']} events): p50 {stream['p50_ms']} ms, "
               f"p99 {stream['p99_ms']} ms\n" if stream else "")
            + "".join(f"event -> outbox at {p['target_rate_per_s']}/s "
                      f"({p['share_of_peak']:.1%} of the peak): p50 {p['p50_ms']} ms, "
                      f"p99 {p['p99_ms']} ms\n" for p in body.get("latency_curve", []))
            + "\n"
            f"{memory}\n\ntimers woken with {timers['due']:,} due: "
            f"{timers['timers_per_s']:,}/s ({timers['advance_batch']} runs per message)"
            f"{where}\n\n"
            f"targets {body['targets']} -> {met}")


def messages_summary(body: dict[str, Any]) -> str:
    rows = [[phase, body[phase]["messages_per_s"], body[phase]["seconds"]]
            for phase in ("queue", "deliver", "end_to_end")]
    remote = body["remote_provider"]
    remote_rows = [[run["calls_at_once_per_task"], run["messages_per_s"], run["seconds"]]
                   for run in remote["runs"]]
    return (f"MESSAGES through the outbox ({body['messages']:,} per phase, console provider, "
            f"worker -c {body['worker_concurrency']})\n"
            + table(["phase", "messages/s", "seconds"], rows)
            + f"\n\n{remote['messages']:,} messages through SendGrid and Twilio "
            f"{remote['provider_latency_ms']} ms away, {remote['delivery_batch']} per task\n"
            + table(["provider calls at once per task", "messages/s", "seconds"], remote_rows))


if __name__ == "__main__":
    sys.exit(main())
