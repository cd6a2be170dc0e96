"""A block's template fields: where they are in a config, and rendering one through the
run context, naming the field that failed so the run inspector can point at it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from blocks.base import Fail, RenderError, RunContext


class FieldRenderError(Exception):
    def __init__(self, field: str, error: RenderError) -> None:
        super().__init__(f"{field}: {error.message}")
        self.field = field
        self.error = error

    def fail(self) -> Fail:
        """A template that fails to render fails the same way on retry: not retryable."""
        where = f" (line {self.error.line})" if self.error.line else ""
        return Fail(f"{self.field}{where}: {self.error.message}", retryable=False)


def render_field(ctx: RunContext, field: str, text: str, *, html: bool = False,
                 extra: Mapping[str, Any] | None = None) -> str:
    try:
        if extra:
            return ctx.render(text, html=html, extra=extra)
        return ctx.render(text, html=html)
    except RenderError as err:
        raise FieldRenderError(field, err) from None


def template_paths(names: Sequence[str], config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(dotted field, template source) of each template field in a config given as data;
    a "*" segment stands for every key of a mapping: "headers.*" is each header value,
    "variants.*.body" each variant's body. Values that are not text are skipped."""
    found: list[tuple[str, str]] = []
    for name in names:
        items: list[tuple[str, Any]] = [("", config)]
        for segment in name.split("."):
            step: list[tuple[str, Any]] = []
            for path, value in items:
                if not isinstance(value, Mapping):
                    continue
                keys = list(value) if segment == "*" else [segment] if segment in value else []
                step += [(f"{path}.{key}" if path else str(key), value[key]) for key in keys]
            items = step
        found += [(path, value) for path, value in items if isinstance(value, str)]
    return found
