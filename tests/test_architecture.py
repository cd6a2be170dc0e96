"""Blocks are plug-ins: no block type is written into the apps.

What the engine, validation and the canvas need to know about a block is declared in its
spec (blocks/base.py: `pure`, `waits`, `holdout_port`, `trigger`). A block type literal in
apps/ ("trigger.…", "flow.…", "action.…") means some code decides by name and a new or
packaged block would not get the same treatment. Starter workflows (JSON) and migrations
are data, so they are left out.

The same holds for the canvas (frontend/src): it draws, words and counts every block from
its catalog entry (`summary`, `channel`, `awaits`, `trigger`, ports). Tests, the language
catalogs and the generated API types are left out.
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


# --- The canvas ---------------------------------------------------------------------------

FRONTEND = ROOT / "frontend" / "src"
FRONTEND_EXCLUDED = {"i18n"}  # the language catalogs (words, not decisions)
FRONTEND_GENERATED = {"schema.d.ts"}
_TS_CATEGORY = re.compile(r"(trigger|flow|action)\.")


def ts_block_type_literals(source: str) -> list[tuple[int, str]]:
    """(line, start of the literal) of every TypeScript string or template literal that
    starts with a block category and a dot; comments are skipped. A small scanner, not a
    parser: enough for quotes, template literals and comments."""
    found: list[tuple[int, str]] = []
    i, line, size = 0, 1, len(source)
    while i < size:
        char = source[i]
        if source.startswith("//", i):
            i = source.find("\n", i)
            i = size if i < 0 else i
            continue
        if source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = size if end < 0 else end + 2
            line += source.count("\n", i, end)
            i = end
            continue
        if char in "\"'`":
            if _TS_CATEGORY.match(source, i + 1):
                found.append((line, source[i:i + 1 + source[i + 1:].find(char) + 1][:60]))
            j = i + 1
            while j < size and source[j] != char:
                if source[j] == "\\":
                    j += 1
                elif source[j] == "\n" and char != "`":
                    break  # an unclosed quote (a regex or a stray apostrophe): give up on it
                j += 1
            line += source.count("\n", i, j + 1)
            i = j + 1
            continue
        if char == "\n":
            line += 1
        i += 1
    return found


def frontend_modules() -> list[Path]:
    return sorted(
        path for path in [*FRONTEND.rglob("*.ts"), *FRONTEND.rglob("*.tsx")]
        if ".test." not in path.name and path.name not in FRONTEND_GENERATED
        and not FRONTEND_EXCLUDED & set(path.relative_to(FRONTEND).parts[:-1]))


@pytest.mark.parametrize(("source", "expected"), [
    ('if (type === "trigger.event") {}', [(1, '"trigger.event"')]),
    ("const x = 'flow.wait';", [(1, "'flow.wait'")]),
    ("const x = `action.${name}`;", [(1, "`action.${name}`")]),
    ("// the node's type is 'trigger.manual'\nconst y = 1;", []),
    ("/* `trigger.kind`\n says */ const z = \"action.x\";", [(2, '"action.x"')]),
    ('t("canvas.flow.title"); workflow.id;', []),
], ids=["double", "single", "template", "line-comment", "block-comment", "inside"])
def test_the_canvas_check_finds_block_type_literals(source: str, expected: list) -> None:
    assert ts_block_type_literals(source) == expected


def test_no_block_type_is_written_into_the_canvas() -> None:
    modules = frontend_modules()
    offenders = [f"{path.relative_to(ROOT)}:{line}: {literal}"
                 for path in modules
                 for line, literal in ts_block_type_literals(path.read_text())]
    assert len(modules) > 20 and offenders == [], (
        "Block types are written into the canvas; declare what it needs in the block's spec "
        "(blocks/base.py BlockSpec), serve it in the catalog entry and read it from there:\n"
        + "\n".join(offenders))
