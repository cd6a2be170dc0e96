"""The Content-Security-Policy header: an injected script (a customer's name rendered
somewhere unescaped, a hostile attribute value) cannot run, load code from elsewhere or
send data away, and no other site can frame Keepflow's pages."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def csp_header_name() -> str:
    if settings.KEEPFLOW_CSP_REPORT_ONLY:
        return "Content-Security-Policy-Report-Only"
    return "Content-Security-Policy"


def csp_policy(*, script: str | None = None) -> str:
    """KEEPFLOW_CSP, with its script-src directive replaced by `script` if given."""
    directives = [part.strip() for part in settings.KEEPFLOW_CSP.split(";") if part.strip()]
    if script is not None:
        directives = [d for d in directives if d.split()[0] != "script-src"] + [script]
    return "; ".join(directives)


class ContentSecurityPolicyMiddleware:
    """Every response gets KEEPFLOW_CSP unless its view set a policy of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.KEEPFLOW_CSP:
            response.setdefault(csp_header_name(), csp_policy())
        return response


def csp_canvas(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The canvas page's policy: KEEPFLOW_CSP with KEEPFLOW_CSP_CANVAS_SCRIPT."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if settings.KEEPFLOW_CSP:
            response[csp_header_name()] = csp_policy(script=settings.KEEPFLOW_CSP_CANVAS_SCRIPT)
        return response

    return wrapped
