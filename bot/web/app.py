"""The one aiohttp server: health probe, Telegram webhook, Twilio webhooks."""

from __future__ import annotations

import functools
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlparse

from aiohttp import web
from telegram import Update
from twilio.request_validator import RequestValidator, add_port, compare, remove_port
from twilio.twiml.messaging_response import MessagingResponse

from bot.logs import quiet_client_errors
from bot.services import SERVICES, Services
from bot.sms.inbound_worker import InboundWorker
from bot.web.api_routes import add_api_routes
from bot.web.dashboard_routes import add_dashboard_routes
from bot.web.info_routes import add_info_routes
from bot.web.security_headers import add_security_headers
from bot.web.web_input import read_form, read_json_object, whole_number
from flows.core.clock import clock
from flows.core.phone import is_e164
from flows.outbox import delivery
from flows.participants.inbound import IncomingSms, Stored, unknown_number_reply
from storage.db import healthy
from storage.updates import MAX_UPDATE_ID, first_delivery

log = logging.getLogger(__name__)

_PROVIDER_ID = re.compile(r"[A-Za-z0-9]{1,64}")  # Twilio's: SM + 32 hex digits
# Another channel's address (whatsapp:+46..., messenger:123...): a person, but not by SMS.
_CHANNEL_ADDRESS = re.compile(r"[a-z][a-z0-9-]{1,19}:[^\s]{1,64}")
_ERROR_CODE = re.compile(r"[0-9]{1,16}")
MAX_BODY_BYTES = 256 * 1024  # webhooks are small; anything larger is a clean 413


async def healthz(request: web.Request) -> web.Response:
    """200 when all is well; 503 with the reason when the database or Telegram is out
    (the server itself goes on: webhooks are still taken, inbound SMS stored)."""
    if not await healthy():
        return web.json_response({"status": "database unavailable"}, status=503)
    problem = request.app[SERVICES].telegram_problem
    if problem is not None:
        return web.json_response({"status": "degraded", "reason": problem}, status=503)
    return web.json_response({"status": "ok"})


async def telegram_webhook(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    expected = services.settings.telegram_webhook_secret or services.local_webhook_secret
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise web.HTTPForbidden(text="forbidden")
    data = await read_json_object(request)
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or not 0 <= update_id <= MAX_UPDATE_ID:
        raise web.HTTPBadRequest(text="not a Telegram update")
    application = services.telegram
    try:
        update = Update.de_json(data, application.bot)
    except Exception:  # PTB checks nothing: any shape error of the update surfaces here
        raise web.HTTPBadRequest(text="not a Telegram update") from None
    # Once across replicas: a second delivery of the same update (our answer was lost,
    # Telegram tried again, maybe another replica) is answered and not handled again.
    if not await first_delivery(update_id, clock.now()):
        return web.Response(text="ok")
    # Answer at once; PTB's own worker processes the queue.
    await application.update_queue.put(update)
    return web.Response(text="ok")


def _signed(token: str, url: str, form: dict[str, str], signature: str) -> bool:
    """Twilio's check, one HMAC for a good request: `RequestValidator.validate` always
    computes two (the URL without and with its port) and then compares both."""
    validator = RequestValidator(token)
    parsed = urlparse(url)
    return any(
        compare(validator.compute_signature(candidate, form), signature)
        for candidate in (remove_port(parsed), add_port(parsed))  # lazily: the 2nd on a miss
    )


def twilio_signed(
    handler: Callable[[web.Request, dict[str, str]], Awaitable[web.StreamResponse]],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """403 unless X-Twilio-Signature matches PUBLIC_BASE_URL + path and the form.

    Twilio posts urlencoded forms only: anything else is refused before the check."""

    async def checked(request: web.Request) -> web.StreamResponse:
        signature = request.headers.get("X-Twilio-Signature", "")
        form = await read_form(request, types=("application/x-www-form-urlencoded",))
        # The URL Twilio signed is our public one, never what a proxy forwarded.
        services = request.app[SERVICES]
        url = services.public_url + request.raw_path
        if not signature or not _signed(services.twilio_auth_token, url, form, signature):
            log.warning("rejected a Twilio request with a missing or wrong signature")
            raise web.HTTPForbidden(text="forbidden")
        return await handler(request, form)

    return checked


def _message_sid(form: dict[str, str]) -> str:
    sid = form.get("MessageSid", "")
    if not _PROVIDER_ID.fullmatch(sid):
        raise web.HTTPBadRequest(text="MessageSid must be 1-64 letters and digits")
    return sid


@functools.lru_cache(maxsize=16)
def _twiml_text(reply: str | None) -> str:
    """The TwiML document: the same few on every request (none, or the unknown-number
    sentence in the default language), so built once each."""
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return str(response)


def _twiml(reply: str | None) -> web.Response:
    return web.Response(text=_twiml_text(reply), content_type="text/xml")


@twilio_signed
async def twilio_sms(request: web.Request, form: dict[str, str]) -> web.Response:
    sid, sender = _message_sid(form), form.get("From", "")
    if not sender:
        raise web.HTTPBadRequest(text="MessageSid and From are required")
    services = request.app[SERVICES]
    assert services.inbound is not None
    # Any sender is recorded once (a repeat is ignored), durably before we answer; what
    # a known person's message does is done after, and its answer goes by the outbox.
    # Only a phone number can be a person of ours. Another channel's address gets the
    # unknown-number answer; a short code, an alphanumeric sender or garbage nothing.
    stored = await services.inbound.submit(IncomingSms(sid, sender, form.get("Body", "")))
    if stored is Stored.UNKNOWN and (is_e164(sender) or _CHANNEL_ADDRESS.fullmatch(sender)):
        return _twiml(unknown_number_reply(services.settings.default_locale))
    return _twiml(None)


@twilio_signed
async def twilio_status(request: web.Request, form: dict[str, str]) -> web.Response:
    sid, status = _message_sid(form), form.get("MessageStatus", "")
    if not status:
        raise web.HTTPBadRequest(text="MessageSid and MessageStatus are required")
    error_code = form.get("ErrorCode", "")
    await delivery.record_status(
        sid,
        status,
        error_code if _ERROR_CODE.fullmatch(error_code) else None,
        whole_number(request.query.get("o")),
    )
    return web.Response(status=204)


def _handle_inbound_sms(app: web.Application, services: Services) -> None:
    """The inbound SMS worker lives as long as the server: it handles what an earlier
    run left at start; at the end, what is stored and not handled waits for the next."""

    def wake_dispatcher() -> None:
        if services.dispatcher is not None:
            services.dispatcher.wake()

    services.inbound = InboundWorker(wake_dispatcher)

    async def start(_app: web.Application) -> None:
        assert services.inbound is not None
        services.inbound.start()

    async def stop(_app: web.Application) -> None:
        if services.inbound is not None:
            await services.inbound.stop()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)


def make_web_app(services: Services) -> web.Application:
    quiet_client_errors()
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SERVICES] = services
    add_security_headers(app)  # every answer, aiohttp's own error pages too
    _handle_inbound_sms(app, services)
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/twilio/sms", twilio_sms)
    app.router.add_post("/twilio/status", twilio_status)
    add_info_routes(app)  # the participant's page /i/<token>
    add_dashboard_routes(app)  # the coordinator view /dashboard
    add_api_routes(app)  # the JSON API /api
    if services.settings.telegram_webhook:
        app.router.add_post("/telegram/webhook", telegram_webhook)
    return app
