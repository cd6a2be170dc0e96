"""The web processes as the Procfile starts them: gunicorn loads apps/config/gunicorn.py,
whose hook takes the loaded application out of the garbage collector's sight."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _web_command() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == "web":
            return command.strip()
    raise AssertionError("the Procfile has no web line")


def test_the_procfiles_web_line_loads_the_worker_hook() -> None:
    # When gunicorn reads its settings as the Procfile's line gives them
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
                        "PORT": "8999"}
    done = subprocess.run(["bash", "-c", f"exec {_web_command()} --print-config"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    # Then it read our module, and the hook is ours (gunicorn's default prints as
    # "<PostWorkerInit.post_worker_init()>")
    assert done.returncode == 0, done.stderr
    printed = {name.strip(): value.strip() for name, _, value in
               (line.partition(" = ") for line in done.stdout.splitlines())}
    assert printed["config"] == "python:apps.config.gunicorn"
    assert printed["post_worker_init"] == "<post_worker_init()>"


def test_the_hook_imports_the_views_and_freezes_what_the_process_holds() -> None:
    # Given a process that loaded the WSGI application, as a gunicorn worker does
    script = (
        "import gc, sys\n"
        "from apps.config.wsgi import application\n"
        "print('urls before', 'apps.config.urls' in sys.modules)\n"
        "from apps.config.gunicorn import post_worker_init\n"
        "post_worker_init(None)\n"
        "print('urls after', 'apps.config.urls' in sys.modules)\n"
        "print('frozen', gc.get_freeze_count())\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120,
                          env=os.environ | {"DJANGO_SETTINGS_MODULE": "apps.config.settings.test"})
    assert done.returncode == 0, done.stderr
    lines = dict(line.rsplit(" ", 1) for line in done.stdout.splitlines())

    # Then the URLconf's views were imported by the hook, and frozen with the rest
    assert lines == {"urls before": "False", "urls after": "True",
                     "frozen": lines["frozen"]}
    assert int(lines["frozen"]) > 50_000
