"""`/dashboard/login/<token>` and logout.

GET shows a button and uses nothing, so a link preview (Telegram fetches links it
shows) cannot spend the one-time link; the POST uses it and sets the cookie.

The form is bound to a pre-session cookie (flows.staff.web_auth: double submit), not to the
link's token: a site that knows a token of its own cannot make a visitor's browser
log in with it.
"""

from __future__ import annotations

from aiohttp import web

from bot.web.dashboard_auth import (
    LOGIN_COOKIE,
    LOGIN_COOKIE_PATH,
    SESSION_COOKIE,
    SESSION_KEY,
    login_required,
    set_login_cookie,
    set_session_cookie,
)
from bot.web.dashboard_render import render
from bot.web.web_input import read_form
from flows.core.clock import clock
from flows.core.i18n import _, use_locale
from flows.participants.info_page import text_locale
from flows.staff import web_auth

TOKEN_ROUTE = "/dashboard/login/{token:[A-Za-z0-9_-]{16,64}}"


def _unusable(request: web.Request) -> web.Response:
    with use_locale(text_locale(request.query.get("lang", "sv"))):
        heading = _("This login link does not work")
        text = _("It was used already or is too old. Send /dashboard to the bot for a new one.")
    return render(request, "dashboard/message.html", status=410, heading=heading, text=text)


def not_logged_in(request: web.Request) -> web.Response:
    with use_locale(text_locale(request.query.get("lang", "sv"))):
        heading = _("Please log in")
        text = _("Send /dashboard to the bot in Telegram. It sends you a link to log in.")
    return render(request, "dashboard/message.html", status=401, heading=heading, text=text)


async def login_page(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    if not await web_auth.link_is_usable(token, clock.now()):
        return _unusable(request)
    # Kept when the browser has one already: two login tabs must not undo each other.
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not web_auth.LOGIN_NONCE_PATTERN.fullmatch(nonce):
        nonce = web_auth.new_login_nonce()
    response = render(request, "dashboard/login.html", action=request.path, form_token=nonce)
    set_login_cookie(request, response, nonce)
    return response


def _refused(request: web.Request) -> web.Response:
    with use_locale(text_locale(request.query.get("lang", "sv"))):
        heading = _("This login did not work")
        text = _("Open the login link again, in the same browser.")
    return render(request, "dashboard/message.html", status=403, heading=heading, text=text)


async def login(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    form = await read_form(request)
    if not web_auth.login_nonce_matches(request.cookies.get(LOGIN_COOKIE), form.get("csrf")):
        return _refused(request)  # and the link is not spent
    opened = await web_auth.redeem(token, clock.now())
    if opened is None:
        return _unusable(request)
    response = web.Response(status=303, headers={"Location": "/dashboard"})
    set_session_cookie(request, response, opened[0])
    response.del_cookie(LOGIN_COOKIE, path=LOGIN_COOKIE_PATH)
    return response


@login_required(not_logged_in)
async def logout(request: web.Request) -> web.StreamResponse:
    await web_auth.end_session(request[SESSION_KEY])
    response = web.Response(status=303, headers={"Location": "/dashboard"})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


def add_login_routes(app: web.Application) -> None:
    app.router.add_get(TOKEN_ROUTE, login_page)
    app.router.add_post(TOKEN_ROUTE, login)
    app.router.add_post("/dashboard/logout", logout)
