"""The security headers of every answer, set in one place for the whole web app.

A response signal rather than code in each handler, so aiohttp's own 404, 405 and 413
pages, the JSON API, the webhooks and error answers carry them too. The baseline is the
strictest: nothing may be cached, sniffed, framed, indexed, referred or run. A page
that needs more (the dashboard posts forms, the simulator runs its script) sets its own
Content-Security-Policy; a header the handler set is never overwritten.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

BASELINE: Final = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # a link's token must not leak through a Referer
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": (
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
}


def with_policy(policy: str) -> dict[str, str]:
    """The baseline with a page's own Content-Security-Policy."""
    return {**BASELINE, "Content-Security-Policy": policy}


async def _add_baseline(request: web.BaseRequest, response: web.StreamResponse) -> None:
    for name, value in BASELINE.items():
        response.headers.setdefault(name, value)


def add_security_headers(app: web.Application) -> None:
    app.on_response_prepare.append(_add_baseline)
