"""The remembering content negotiation answers as DRF's own, the first time and after."""

from __future__ import annotations

import pytest
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.common.negotiation import RememberingContentNegotiation


def request(path: str = "/x", **headers: str) -> Request:
    return Request(APIRequestFactory().get(path, **headers))


@pytest.mark.parametrize("case, path, headers", [
    ("no Accept", "/x", {}),
    ("anything", "/x", {"HTTP_ACCEPT": "*/*"}),
    ("JSON", "/x", {"HTTP_ACCEPT": "application/json"}),
    ("JSON with a parameter", "/x", {"HTTP_ACCEPT": "application/json; indent=4"}),
    ("a browser", "/x", {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}),
    ("format in the query", "/x?format=api", {"HTTP_ACCEPT": "*/*"}),
    ("other query", "/x?page=2", {"HTTP_ACCEPT": "text/html"}),
])
def test_the_answer_is_drfs_every_time(case, path, headers) -> None:
    def renderers() -> list:
        return [JSONRenderer(), BrowsableAPIRenderer()]

    expected_renderers = renderers()
    expected = DefaultContentNegotiation().select_renderer(request(path, **headers),
                                                           expected_renderers)
    for _ in range(2):
        given = renderers()
        renderer, media_type = RememberingContentNegotiation().select_renderer(
            request(path, **headers), given)
        assert renderer is given[expected_renderers.index(expected[0])]
        assert media_type == expected[1]


def test_not_acceptable_is_raised_each_time() -> None:
    for _ in range(2):
        with pytest.raises(NotAcceptable):
            RememberingContentNegotiation().select_renderer(
                request(HTTP_ACCEPT="image/png"), [JSONRenderer()])
