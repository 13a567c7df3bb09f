"""The one aiohttp server: health probe, Telegram webhook, Twilio webhooks."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from telegram import Update
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.info_routes import add_info_routes
from bot.services import Services
from flows import delivery, inbound
from storage.db import healthy

log = logging.getLogger(__name__)

SERVICES = web.AppKey("services", Services)
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
    expected = services.settings.telegram_webhook_secret or ""
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise web.HTTPForbidden(text="forbidden")
    try:
        data = json.loads(await request.read())
        application = services.telegram
        update = Update.de_json(data, application.bot)
    except (ValueError, TypeError, KeyError):
        raise web.HTTPBadRequest(text="not a Telegram update") from None
    # Answer at once; PTB's own worker processes the queue.
    await application.update_queue.put(update)
    return web.Response(text="ok")


def twilio_signed(
    handler: Callable[[web.Request, dict[str, str]], Awaitable[web.StreamResponse]],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """403 unless X-Twilio-Signature matches PUBLIC_BASE_URL + path and the form."""

    async def checked(request: web.Request) -> web.StreamResponse:
        signature = request.headers.get("X-Twilio-Signature", "")
        try:
            form = {key: str(value) for key, value in (await request.post()).items()}
        except ValueError:
            raise web.HTTPBadRequest(text="malformed form") from None
        # The URL Twilio signed is our public one, never what a proxy forwarded.
        services = request.app[SERVICES]
        url = services.public_url + request.raw_path
        validator = RequestValidator(services.twilio_auth_token)
        if not signature or not validator.validate(url, form, signature):
            log.warning("rejected a Twilio request with a missing or wrong signature")
            raise web.HTTPForbidden(text="forbidden")
        return await handler(request, form)

    return checked


@twilio_signed
async def twilio_sms(request: web.Request, form: dict[str, str]) -> web.Response:
    sid, sender = form.get("MessageSid", ""), form.get("From", "")
    if not sid or not sender:
        raise web.HTTPBadRequest(text="MessageSid and From are required")
    services = request.app[SERVICES]
    reply = await inbound.handle_sms(
        sid, sender, form.get("Body", ""), services.settings.default_locale
    )
    if services.dispatcher is not None:
        services.dispatcher.wake()  # a reply may have news for the convenor: now, not later
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return web.Response(text=str(response), content_type="text/xml")


@twilio_signed
async def twilio_status(request: web.Request, form: dict[str, str]) -> web.Response:
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not sid or not status:
        raise web.HTTPBadRequest(text="MessageSid and MessageStatus are required")
    outbox_id = request.query.get("o", "")
    await delivery.record_status(
        sid, status, form.get("ErrorCode") or None, int(outbox_id) if outbox_id.isdigit() else None
    )
    return web.Response(status=204)


def make_web_app(services: Services) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/twilio/sms", twilio_sms)
    app.router.add_post("/twilio/status", twilio_status)
    add_info_routes(app)  # the participant's page /i/<token>
    from bot.api_routes import add_api_routes  # these import SERVICES from here
    from bot.dashboard_routes import add_dashboard_routes

    add_dashboard_routes(app)  # the coordinator view /dashboard
    add_api_routes(app)  # the JSON API /api
    if services.settings.telegram_webhook:
        app.router.add_post("/telegram/webhook", telegram_webhook)
    return app
