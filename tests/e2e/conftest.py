"""End-to-end tests: the built front end in real headless Chromium against a live server.

They skip only when Debian's Chromium is missing (`apt-get install chromium`); a missing
build or Node is a failure, since `make test` builds the front end first."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FRONTEND = Path(settings.BASE_DIR) / "frontend"
MANIFEST = Path(settings.BASE_DIR) / "static" / "app" / ".vite" / "manifest.json"


@pytest.fixture
def browser_ready() -> str:
    """The node binary to drive Chromium with (playwright-core from frontend/node_modules)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run end-to-end tests")
    node = shutil.which("node")
    assert node, "Node is needed for the end-to-end tests (it builds the front end too)"
    assert (FRONTEND / "node_modules" / "playwright-core").is_dir(), \
        "frontend/node_modules/playwright-core is missing: run `make frontend`"
    assert MANIFEST.exists(), "the front end is not built: run `make frontend`"
    return node
