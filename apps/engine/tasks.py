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


@shared_task(name="engine.date_scan")
def date_scan_task() -> int:
    from apps.engine import scans

    return scans.date_scan()


@shared_task(name="engine.inactivity_scan")
def inactivity_scan_task() -> int:
    from apps.engine import scans

    return scans.inactivity_scan()


@shared_task(name="engine.schedule_scan")
def schedule_scan_task() -> int:
    from apps.engine import scans

    return scans.schedule_scan()


@shared_task(name="engine.fanout_step")
def fanout_step_task(fanout_id: int) -> bool:
    from apps.engine import fanout

    return fanout.fanout_step(fanout_id)
