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
