"""Blocks are plug-ins: no block type is written into the apps.

What the engine, validation and the canvas need to know about a block is declared in its
spec (blocks/base.py: `pure`, `waits`, `holdout_port`, `trigger`). A block type literal in
apps/ ("trigger.…", "flow.…", "action.…") means some code decides by name and a new or
packaged block would not get the same treatment. Starter workflows (JSON) and migrations
are data, so they are left out.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ROOT / "apps"
EXCLUDED_DIRS = {"starters", "migrations", "fixtures", "tests"}
# A string that starts with a category and a dot: "trigger.event", 'flow.', "action.x".
BLOCK_TYPE = re.compile(r"""^[rRbBuUfF]{0,2}(['"]{1,3})(trigger|flow|action)\.""")


def block_type_literals(source: str) -> list[tuple[int, str]]:
    """(line, literal) of every string token of Python source that starts with a block
    category and a dot (docstrings and comments name blocks in prose: they are not
    string tokens that start that way)."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING and BLOCK_TYPE.match(token.string):
            found.append((token.start[0], token.string))
    return found


def app_modules() -> list[Path]:
    return sorted(path for path in APPS.rglob("*.py")
                  if not EXCLUDED_DIRS & set(path.relative_to(APPS).parts[:-1]))


@pytest.mark.parametrize(("source", "expected"), [
    ('kind = "trigger.manual"', [(1, '"trigger.manual"')]),
    ("x = {'flow.wait': 1}", [(1, "'flow.wait'")]),
    ('x = f"action.{name}"', [(1, 'f"action.{name}"')]),
    ('"""A docstring about trigger.manual."""', []),
    ("# node.type == 'trigger.manual'", []),
    ('x = "event:trigger.manual"', []),
], ids=["double", "single", "f-string", "docstring", "comment", "inside"])
def test_the_check_finds_block_type_literals(source: str, expected: list) -> None:
    assert block_type_literals(source) == expected


def test_no_block_type_is_written_into_the_apps() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{line}: {literal}"
                 for path in app_modules()
                 for line, literal in block_type_literals(path.read_text())]
    assert offenders == [], (
        "Block types are written into the apps; declare what the code needs in the block's "
        "spec (blocks/base.py BlockSpec / TriggerSpec) and read it from there:\n"
        + "\n".join(offenders))
