"""`make run`'s Celery set-up for real: dev settings, SQLite, and the embedded broker
(kombu's SQLAlchemy transport). An ingested event must reach a separate worker process."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CELERY = Path(sys.executable).with_name("celery")
INGEST = (
    "from apps.customers.ingest import EventIn, events_ingest\n"
    "print(events_ingest([EventIn('c-1', 'purchase', {'amount': 3}, idempotency_key='k1')])"
    "[0].event_id)"
)


def dev_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="apps.config.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path / 'keepflow.sqlite3'}",
        CELERY_BROKER_URL=f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=180, check=True)
    return result.stdout


@pytest.mark.worker
def test_an_ingested_event_is_processed_by_the_worker(tmp_path):
    # Given a migrated SQLite database and a worker on the SQLite broker, as in `make run`
    env = dev_env(tmp_path)
    manage(env, "migrate", "--noinput", "-v0")
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [str(CELERY), "-A", "apps.config", "worker", "--pool=solo", "--loglevel=INFO",
         f"--logfile={log}", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        # when an event is ingested by another process
        event_id = int(manage(env, "shell", "--no-imports", "-c", INGEST).strip())
        # then the worker receives and finishes the segment task for it
        deadline = time.monotonic() + 90
        text = ""
        while time.monotonic() < deadline:
            text = log.read_text() if log.exists() else ""
            if "apps.customers.tasks.events_process[" in text and "succeeded" in text:
                break
            assert worker.poll() is None, f"the worker exited:\n{text}"
            time.sleep(0.5)
        assert "Connected to sqla+sqlite:///" in text
        assert "Task apps.customers.tasks.events_process[" in text and "succeeded" in text, text
        assert event_id >= 1
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
