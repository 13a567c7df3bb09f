"""`GET /i/{token}` and `GET /i/{token}.ics`: the participant's page and calendar file.

The link is the only key, so every answer tells browsers and proxies to keep
nothing (no cache, no referrer, no indexing) and to run no script at all.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web
from babel import Locale
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.web.security_headers import with_policy
from flows.core.clock import clock
from flows.core.i18n import normalise_locale, translations
from flows.participants.info_page import Gone, InfoView, ics_for, info_for, text_locale

TEMPLATES_DIR = Path(__file__).resolve().parent / "web_templates"

# Inline CSS only: no scripts, frames, forms, fonts or remote anything.
SECURITY_HEADERS = with_policy(
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@cache
def environment(locale: str) -> Environment:
    """One Jinja environment per page language, its gettext fed by our Babel catalogs.

    Per language rather than per request: installing callables mutates the environment."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(text_locale(locale)))  # type: ignore[attr-defined]
    return env


def render_page(template: str, locale: str, status: int = 200, **context: Any) -> web.Response:
    """An HTML page in `locale` (base.html sets lang and dir), with the headers above."""
    html = (
        environment(locale)
        .get_template(template)
        .render(locale=locale, direction=Locale.parse(locale).text_direction, **context)
    )
    return web.Response(
        text=html, status=status, content_type="text/html", headers=SECURITY_HEADERS
    )


async def _lookup(request: web.Request) -> tuple[str, InfoView | Gone | None]:
    locale = normalise_locale(request.query.get("lang"))
    return locale, await info_for(request.match_info["token"], clock.now(), locale)


def _missing(locale: str, result: Gone | None) -> web.Response:
    if isinstance(result, Gone):
        return render_page("message.html", locale, status=410, gone=True)
    return render_page("message.html", locale, status=404, gone=False)


async def info_page(request: web.Request) -> web.Response:
    locale, result = await _lookup(request)
    if not isinstance(result, InfoView):
        return _missing(locale, result)
    # Relative to /i/<token>: the browser resolves it to /i/<token>.ics.
    ics_href = f"{request.match_info['token']}.ics?lang={locale}"
    return render_page("info.html", locale, view=result, ics_href=ics_href)


async def info_ics(request: web.Request) -> web.Response:
    locale, result = await _lookup(request)
    if not isinstance(result, InfoView):
        return _missing(locale, result)
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": 'attachment; filename="meeting.ics"',
    }
    return web.Response(
        body=ics_for(result), content_type="text/calendar", charset="utf-8", headers=headers
    )


def add_info_routes(app: web.Application) -> None:
    # The .ics route first: `{token}` alone would also match "abc.ics".
    app.router.add_get(r"/i/{token:[A-Za-z0-9_-]+}.ics", info_ics)
    app.router.add_get("/i/{token}", info_page)
