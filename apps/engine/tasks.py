"""Celery tasks of the engine: take ids, call one service, safe to run twice."""

from celery import shared_task

from apps.engine import interpreter, services, timers


@shared_task(name="engine.runs_advance")
def runs_advance_task(run_ids: list[int]) -> None:
    interpreter.runs_advance(run_ids)


@shared_task(name="engine.timers_wake")
def timers_wake_task() -> int:
    return timers.timers_wake()


@shared_task(name="engine.runs_sweep")
def runs_sweep_task() -> int:
    return timers.runs_sweep()


@shared_task(name="engine.steps_prune")
def steps_prune_task() -> int:
    return services.steps_prune()


# --- triggers: the periodic scans and fan-outs (apps/engine/scans.py, fanout.py) ---------


@shared_task(name="engine.trigger_scans")
def trigger_scans_task() -> int:
    """Every minute: each live scan trigger whose interval has passed."""
    from apps.engine import scans

    return scans.trigger_scans_due()


@shared_task(name="engine.trigger_scan")
def trigger_scan_task(name: str) -> int:
    """Every live trigger of one declared scan, now (e.g. "date")."""
    from apps.engine import scans

    return scans.trigger_scan(name)


@shared_task(name="engine.fanout_step")
def fanout_step_task(fanout_id: int) -> bool:
    from apps.engine import fanout

    return fanout.fanout_step(fanout_id)
