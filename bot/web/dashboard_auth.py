"""Sessions for the dashboard: the cookie, the login check on every page, CSRF on every POST.

A missing or expired session gets the same page as no login at all, with status 401;
a wrong CSRF token gets 403 and changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from markupsafe import Markup, escape

from bot.services import SERVICES
from bot.web.web_input import read_form
from flows.core.clock import clock
from flows.core.i18n import STAFF_LOCALES
from flows.participants.info_page import text_locale
from flows.staff import web_auth
from storage.models import StaffUser
from storage.record_models import WebSession

SESSION_COOKIE = "flerpart_session"
LOGIN_COOKIE = "flerpart_login"  # the pre-session value the login form repeats
LOGIN_COOKIE_PATH = "/dashboard/login"
SESSION_KEY = web.RequestKey("dashboard_session", WebSession)
IDLE_SECONDS = int(web_auth.IDLE_LIMIT.total_seconds())

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    public = request.app[SERVICES].settings.public_base_url or ""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=IDLE_SECONDS,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=public.startswith("https://"),
    )


def set_login_cookie(request: web.Request, response: web.StreamResponse, nonce: str) -> None:
    """Sent back only to the login form itself, and never from another site's page."""
    public = request.app[SERVICES].settings.public_base_url or ""
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=int(web_auth.LINK_VALIDITY.total_seconds()),
        path=LOGIN_COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=public.startswith("https://"),
    )


async def session_of(request: web.Request) -> WebSession | None:
    return await web_auth.session_for(request.cookies.get(SESSION_COOKIE, ""), clock.now())


def staff_of(request: web.Request) -> StaffUser:
    return request[SESSION_KEY].staff_user


def locale_of(request: web.Request, staff: StaffUser | None = None) -> str:
    """?lang= when it is a staff language, else the staff user's own."""
    asked = request.query.get("lang", "")
    if asked in STAFF_LOCALES:
        return text_locale(asked)
    return text_locale(staff.language if staff else "sv")


def csrf_field(session: WebSession) -> Markup:
    return Markup(f'<input type="hidden" name="csrf" value="{escape(session.csrf_token)}">')


def login_required(
    on_missing: Callable[[web.Request], web.StreamResponse],
) -> Callable[[Handler], Handler]:
    """Runs the handler with the session in request[SESSION_KEY]; POSTs must carry its
    CSRF token in the form."""

    def wrap(handler: Handler) -> Handler:
        async def checked(request: web.Request) -> web.StreamResponse:
            session = await session_of(request)
            if session is None:
                return on_missing(request)
            if request.method == "POST":
                form: Any = await read_form(request)
                if not web_auth.csrf_matches(session, form.get("csrf")):
                    raise web.HTTPForbidden(text="CSRF token missing or wrong")
            request[SESSION_KEY] = session
            return await handler(request)

        return checked

    return wrap
