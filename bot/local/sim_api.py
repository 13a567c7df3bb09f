"""Local mode's JSON API: play Telegram users and phones, move the clock, invite staff.

Registered only in local mode (404 otherwise). It drives the stand-ins, so
what it triggers runs through the real handlers: a message here becomes a
Telegram update PTB fetches, an SMS here is a signed POST to `/twilio/sms`.
Moving the clock runs the scheduler's repeating work at once (bot/periodic.py).

`GET /sim/api/demo` (read-only, for the page /sim) answers
`{"team", "convenor": {"user_id", "joined", "name"}, "meeting": {"id", "purpose",
"place", "status", "timezone", "starts_at", "ends_at"} | null, "participants":
[{"name", "phone", "role"}], "moments": {"two_days_before", "day_after", "survey"}}`
with ISO 8601 times; see flows/simulator/demo_view.py.

Nothing here has a login, so every route wants (else 403): a loopback Host (see
`check_host`), no `Origin` or our own, and this run's key in `X-Sim-Token`, which
only the page /sim carries; a POST must also be `application/json` (else 415).
A web page of another site the developer visits can do none of that.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.local.sim_page import add_sim_page, check_host
from bot.periodic import run_what_fell_due
from bot.services import SERVICES
from bot.web.web_input import read_json_object
from flows.core.clock import clock
from flows.simulator.demo_view import demo_view, sim_user_name
from flows.staff.onboarding import create_invitation
from storage.models import Person, StaffRole, StaffUser

MAX_TEXT = 4096
TOKEN_HEADER = "X-Sim-Token"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def guarded(handler: Handler) -> Handler:
    """Only the page /sim of this run, from its own origin, may call `handler`."""

    async def checked(request: web.Request) -> web.StreamResponse:
        check_host(request)
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc != request.host:
            raise web.HTTPForbidden(text="cross-site request")
        expected = request.app[SERVICES].sim_token
        given = request.headers.get(TOKEN_HEADER, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise web.HTTPForbidden(text=f"missing or wrong {TOKEN_HEADER}")
        if request.method == "POST" and request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType(text="send application/json")
        return await handler(request)

    return checked


async def _json(request: web.Request) -> dict[str, Any]:
    return await read_json_object(request)


def _text(body: dict[str, Any]) -> str:
    text = body.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        raise web.HTTPBadRequest(text=f"text must be 1-{MAX_TEXT} characters")
    return text


def _telegram(request: web.Request):
    standin = request.app[SERVICES].telegram_standin
    if standin is None:
        raise web.HTTPNotFound(text="Telegram is not simulated: a bot token is configured")
    return standin


def _twilio(request: web.Request):
    standin = request.app[SERVICES].twilio_standin
    if standin is None:
        raise web.HTTPNotFound(text="SMS is not simulated: a Twilio account is configured")
    return standin


async def telegram_message(request: web.Request) -> web.Response:
    body = await _json(request)
    language = body.get("language_code", "sv")
    user_id = int(request.match_info["user_id"])
    name = body.get("first_name")
    if not isinstance(name, str) or not name.strip():
        name = await sim_user_name(user_id)  # their own, never "Test"
    update = await _telegram(request).user_sends(
        user_id,
        _text(body),
        first_name=name[:64],
        language_code=language if isinstance(language, str) else "sv",
    )
    return web.json_response({"update_id": update["update_id"]})


async def telegram_press(request: web.Request) -> web.Response:
    body = await _json(request)
    message_id, data = body.get("message_id"), body.get("data")
    if not isinstance(message_id, int) or not isinstance(data, str):
        raise web.HTTPBadRequest(text="message_id (number) and data (text) are required")
    try:
        update = await _telegram(request).user_presses(
            int(request.match_info["user_id"]), message_id, data
        )
    except ValueError as error:
        raise web.HTTPNotFound(text=str(error)) from None
    return web.json_response({"update_id": update["update_id"]})


async def telegram_transcript(request: web.Request) -> web.Response:
    return web.json_response(_telegram(request).transcript(int(request.match_info["user_id"])))


async def sms_message(request: web.Request) -> web.Response:
    body = await _json(request)
    status, _ = await _twilio(request).send_inbound(request.match_info["phone"], _text(body))
    return web.json_response({"webhook_status": status})


async def sms_transcript(request: web.Request) -> web.Response:
    return web.json_response(_twilio(request).transcript(request.match_info["phone"]))


async def get_clock(request: web.Request) -> web.Response:
    return web.json_response({"now": clock.now().isoformat()})


async def set_clock(request: web.Request) -> web.Response:
    body = await _json(request)
    try:
        if "advance_seconds" in body:
            clock.advance(timedelta(seconds=float(body["advance_seconds"])))
        elif "set" in body:
            clock.set(datetime.fromisoformat(str(body["set"])))
        else:
            raise web.HTTPBadRequest(text="give advance_seconds or set")
    except (TypeError, ValueError, OverflowError) as error:
        raise web.HTTPBadRequest(text=f"cannot move the clock: {error}") from None
    # What fell due runs now, through the scheduler jobs' own functions.
    await run_what_fell_due(request.app[SERVICES])
    return web.json_response({"now": clock.now().isoformat()})


async def invite(request: web.Request) -> web.Response:
    body = await _json(request)
    team = body.get("team")
    try:
        role = StaffRole(body.get("role"))
    except ValueError:
        raise web.HTTPBadRequest(text="role must be convenor, coordinator or admin") from None
    if not isinstance(team, str) or not team.strip() or len(team) > 120:
        raise web.HTTPBadRequest(text="team must be 1-120 characters")
    code, _ = await create_invitation(role, team)
    return web.json_response({"code": code})


async def demo(request: web.Request) -> web.Response:
    """Read-only: whom the simulator page plays, whose phones it shows, where time can jump."""
    return web.json_response((await demo_view()).as_json())


async def reopen_known_chats(app: web.Application) -> None:
    """Telegram remembers who started the bot; the stand-in forgets at each restart.
    Without this the bot could not write first (ask for notes, alerts) after a restart."""
    standin = app[SERVICES].telegram_standin
    if standin is None:
        return
    for staff in await StaffUser.filter(active=True):
        standin.user_has_started(
            staff.telegram_user_id, first_name=staff.display_name, language_code=staff.language
        )
    for person in await Person.filter(telegram_chat_id__isnull=False):
        standin.user_has_started(person.telegram_chat_id, first_name=person.first_name)


def add_sim_api(app: web.Application) -> None:
    """`app` is our web app (it holds the Services under `bot.services.SERVICES`)."""
    base = "/sim/api"
    routes = [
        ("POST", r"/telegram/{user_id:\d{1,15}}/message", telegram_message),
        ("POST", r"/telegram/{user_id:\d{1,15}}/press", telegram_press),
        ("GET", r"/telegram/{user_id:\d{1,15}}/transcript", telegram_transcript),
        ("POST", r"/sms/{phone:\+\d{8,15}}/message", sms_message),
        ("GET", r"/sms/{phone:\+\d{8,15}}/transcript", sms_transcript),
        ("GET", "/clock", get_clock),
        ("POST", "/clock", set_clock),
        ("POST", "/invite", invite),
        ("GET", "/demo", demo),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, base + path, guarded(handler))
    app.on_startup.append(reopen_known_chats)  # runs once the stand-ins exist
    add_sim_page(app)  # the page that plays with this API: local mode only, like it
