"""DRF's content negotiation with its answers remembered.

Why: the answer depends only on the Accept header, the format asked for (`?format=` or
a suffix) and the view's renderers, yet DRF parses the header and matches it against
every renderer on every request: about 6 % of a single-event POST's web CPU, whose
clients send the same header each time. The first request with a given header, format
and renderer list asks DRF; later ones reuse its answer. Errors (406, an unknown format)
are not remembered: DRF raises them again each time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

_MAX_ANSWERS = 512  # the Accept header is the client's to choose: a bound, not a leak
_answers: dict[tuple[Any, ...], tuple[int, str]] = {}


class RememberingContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request: Request, renderers: Iterable[BaseRenderer],
                        format_suffix: str | None = None) -> tuple[BaseRenderer, str]:
        renderers = list(renderers)
        query_format = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) \
            if request._request.META.get("QUERY_STRING") else None
        key = (request._request.META.get("HTTP_ACCEPT", "*/*"), format_suffix, query_format,
               *((type(r), r.media_type, r.format) for r in renderers))
        known = _answers.get(key)
        if known is not None:
            return renderers[known[0]], known[1]
        renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        index = next(i for i, r in enumerate(renderers) if r is renderer)
        if len(_answers) >= _MAX_ANSWERS:
            _answers.clear()
        _answers[key] = (index, media_type)
        return renderer, media_type
