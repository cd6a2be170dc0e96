"""Rendering a block's template fields through the run context, naming the field that
failed so the run inspector can point at it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.common.templating import TemplateError
from blocks.base import Fail, RunContext


class FieldRenderError(Exception):
    def __init__(self, field: str, error: TemplateError) -> None:
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
    except TemplateError as err:
        raise FieldRenderError(field, err) from None
