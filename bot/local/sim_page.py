"""`GET /sim`: local mode's simulator page, with its script and style.

The page is a shell in the reader's language; sim.js fills it from the JSON API
under /sim/api and nothing else, so all it shows went through the real handlers.
Registered with that API: local mode only, 404 otherwise.

The page carries this run's key for the API (`data-token`), which sim.js sends as
`X-Sim-Token`. A page of another site cannot read it (no CORS), and a name that
merely resolves to us (DNS rebinding) is refused by `check_host` first.
"""

from __future__ import annotations

from functools import cache

from aiohttp import web

from bot.config import is_loopback
from bot.services import SERVICES
from bot.web.info_routes import TEMPLATES_DIR, render_page
from bot.web.security_headers import with_policy
from flows.core import labels
from flows.core.i18n import STAFF_LOCALES, normalise_locale, use_locale
from storage.models import AttendeeRole, MeetingStatus

STATIC = {"sim.js": "text/javascript", "sim.css": "text/css"}
# Our own script and style only, talking to our own API; inline style for base.html.
HEADERS = with_policy(
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def check_host(request: web.Request) -> None:
    """403 unless the browser asked for a loopback name (or --allow-remote-sim was given):
    a page of another site whose name was pointed at 127.0.0.1 must not read the key."""
    if request.app[SERVICES].sim_any_host:
        return
    if not is_loopback(request.url.host or ""):
        raise web.HTTPForbidden(text="the simulator answers on loopback addresses only")


async def sim_page(request: web.Request) -> web.Response:
    check_host(request)
    locale = normalise_locale(request.query.get("lang"), STAFF_LOCALES)
    with use_locale(locale):  # the words the bot already has, in this language
        roles = {role.value: labels.role(role) for role in AttendeeRole}
        statuses = {status.value: labels.status(status) for status in MeetingStatus}
    languages = {code: labels.LANGUAGE_NAMES[code] for code in STAFF_LOCALES}
    response = render_page(
        "sim.html",
        locale,
        roles=roles,
        statuses=statuses,
        languages=languages,
        sim_token=request.app[SERVICES].sim_token,
    )
    response.headers.update(HEADERS)
    return response


@cache
def _static(name: str) -> str:
    return (TEMPLATES_DIR / name).read_text(encoding="utf-8")


async def sim_static(request: web.Request) -> web.Response:
    check_host(request)
    name = request.match_info["name"]
    return web.Response(
        text=_static(name), content_type=STATIC[name], headers={"Cache-Control": "no-cache"}
    )


def add_sim_page(app: web.Application) -> None:
    app.router.add_get("/sim", sim_page)
    app.router.add_get(r"/sim/{name:sim\.(js|css)}", sim_static)
