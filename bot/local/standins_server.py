"""`flerpart standins`: the Telegram and Twilio stand-ins as a process of their own, shared by
several local-mode replicas (each started with STANDINS_URL=http://127.0.0.1:N).

The APIs sit at the paths they have inside one process (/_standin/telegram, /_standin/twilio),
so a replica reaches them the same way. Telegram updates reach the replicas by webhook, never
by polling: each replica registers its own URL with setWebhook and the stand-in hands each
update to the next one in turn, as a load balancer in front of replicas would. A replica it
cannot reach is dropped (it registers again when it starts) and the next one gets the update.

Users are played through /_standin/control (no login: loopback only, like /sim; a POST must
be application/json, which a web page of another site cannot send without asking first):
  POST /telegram/{user_id}/message {"text", "language_code"?, "first_name"?} -> {"update_id"}
  POST /telegram/{user_id}/press {"message_id", "data"} -> {"update_id"}
  POST /telegram/{user_id}/started {"first_name"?, "language_code"?}  (the chat is open)
  GET  /telegram/{user_id}/transcript, GET /telegram/callbacks, GET /telegram/webhooks
  POST /sms/{phone}/message {"text", "replica": "http://127.0.0.1:P"} -> {"webhook_status"}
  GET  /sms/{phone}/transcript, GET /sms/sent
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import signal
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web

from bot.config import is_loopback
from bot.local.standins.telegram_api import TelegramStandIn
from bot.local.standins.twilio_api import TwilioStandIn
from bot.local_mode import (
    LOCAL_BOT_TOKEN,
    LOCAL_BOT_USERNAME,
    LOCAL_TWILIO_AUTH_TOKEN,
    LOCAL_TWILIO_NUMBER,
    LOCAL_TWILIO_SID,
    STANDIN_CONTROL_PATH,
    TELEGRAM_STANDIN_PATH,
    TWILIO_STANDIN_PATH,
)

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_REPLICA = re.compile(r"^http://(\[[0-9a-fA-F:]+\]|[^/:\s]+):\d{1,5}$")
_WEBHOOK_TIMEOUT = aiohttp.ClientTimeout(total=10)


class NoReplica(Exception):
    """No registered replica took the update."""


class SharedTelegramStandIn(TelegramStandIn):
    """The Telegram stand-in with one webhook per replica, taken in turn."""

    def __init__(self) -> None:
        super().__init__(LOCAL_BOT_TOKEN, bot_username=LOCAL_BOT_USERNAME)
        self.targets: list[dict] = []  # {"url", "secret_token"}, in registration order
        self._turn = itertools.count()

    async def _set_webhook(self, params: dict) -> bool:
        target = {"url": params["url"], "secret_token": params.get("secret_token")}
        self.targets = [t for t in self.targets if t["url"] != target["url"]] + [target]
        self.webhook = target  # getUpdates now answers 409, as Telegram does
        return True

    async def _delete_webhook(self, params: dict) -> bool:
        self.targets = []
        return await super()._delete_webhook(params)

    async def _deliver(self, payload: dict) -> dict:
        if not self.targets:
            return await super()._deliver(payload)  # kept for getUpdates
        update = {"update_id": next(self._update_ids), **payload}
        for _ in range(len(self.targets)):
            if not self.targets:
                break
            target = self.targets[next(self._turn) % len(self.targets)]
            if await self._offer(target, update):
                return update
        raise NoReplica(f"no replica took update {update['update_id']}")

    async def _offer(self, target: dict, update: dict) -> bool:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=_WEBHOOK_TIMEOUT)
        headers = {}
        if target["secret_token"]:
            headers["X-Telegram-Bot-Api-Secret-Token"] = target["secret_token"]
        try:
            async with self._session.post(target["url"], json=update, headers=headers) as r:
                await r.read()
                return r.status == 200
        except (aiohttp.ClientConnectionError, TimeoutError) as error:
            log.warning("replica %s unreachable (%r): dropped", target["url"], error)
            self.targets = [t for t in self.targets if t is not target]
            if not self.targets:
                self.webhook = None
            return False


def _guarded(handler: Handler, any_host: bool) -> Handler:
    async def checked(request: web.Request) -> web.StreamResponse:
        if not any_host and not is_loopback(request.url.host or ""):
            raise web.HTTPForbidden(text="the stand-ins answer on loopback addresses only")
        if request.method == "POST" and request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType(text="send application/json")
        return await handler(request)

    return checked


async def _body(request: web.Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="a JSON object is needed")
    return body


def _text(body: dict) -> str:
    text = body.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > 4096:
        raise web.HTTPBadRequest(text="text must be 1-4096 characters")
    return text


class Control:
    """The routes that play users and read what they got."""

    def __init__(self, telegram: SharedTelegramStandIn, twilio: TwilioStandIn, any_host: bool):
        self.telegram, self.twilio, self.any_host = telegram, twilio, any_host

    def routes(self) -> list[tuple[str, str, Handler]]:
        user, phone = r"/telegram/{user_id:\d{1,15}}", r"/sms/{phone:\+\d{8,15}}"
        return [
            ("POST", user + "/message", self.message),
            ("POST", user + "/press", self.press),
            ("POST", user + "/started", self.started),
            ("GET", user + "/transcript", self.telegram_transcript),
            ("GET", "/telegram/callbacks", self.callbacks),
            ("GET", "/telegram/webhooks", self.webhooks),
            ("POST", phone + "/message", self.sms),
            ("GET", phone + "/transcript", self.sms_transcript),
            ("GET", "/sms/sent", self.sent),
        ]

    async def message(self, request: web.Request) -> web.Response:
        body = await _body(request)
        update = await self._delivered(
            self.telegram.user_sends(
                int(request.match_info["user_id"]),
                _text(body),
                first_name=str(body.get("first_name") or "Test")[:64],
                language_code=str(body.get("language_code") or "sv"),
            )
        )
        return web.json_response({"update_id": update["update_id"]})

    async def press(self, request: web.Request) -> web.Response:
        body = await _body(request)
        message_id, data = body.get("message_id"), body.get("data")
        if not isinstance(message_id, int) or not isinstance(data, str):
            raise web.HTTPBadRequest(text="message_id (number) and data (text) are required")
        user_id = int(request.match_info["user_id"])
        try:
            update = await self._delivered(self.telegram.user_presses(user_id, message_id, data))
        except ValueError as error:
            raise web.HTTPNotFound(text=str(error)) from None
        return web.json_response({"update_id": update["update_id"]})

    @staticmethod
    async def _delivered(delivery: Awaitable[dict]) -> dict:
        try:
            return await delivery
        except NoReplica as error:
            raise web.HTTPServiceUnavailable(text=str(error)) from None

    async def started(self, request: web.Request) -> web.Response:
        body = await _body(request)
        self.telegram.user_has_started(
            int(request.match_info["user_id"]),
            first_name=str(body.get("first_name") or "Test")[:64],
            language_code=str(body.get("language_code") or "sv"),
        )
        return web.json_response({"ok": True})

    async def telegram_transcript(self, request: web.Request) -> web.Response:
        return web.json_response(self.telegram.transcript(int(request.match_info["user_id"])))

    async def callbacks(self, request: web.Request) -> web.Response:
        return web.json_response(self.telegram.answered_callbacks)

    async def webhooks(self, request: web.Request) -> web.Response:
        return web.json_response([t["url"] for t in self.telegram.targets])

    async def sms(self, request: web.Request) -> web.Response:
        body = await _body(request)
        replica = body.get("replica")
        if not isinstance(replica, str) or not _REPLICA.match(replica):
            raise web.HTTPBadRequest(text="replica must look like http://127.0.0.1:8080")
        if not self.any_host and not is_loopback(_REPLICA.match(replica).group(1)):
            raise web.HTTPBadRequest(text="replica must be on loopback")
        status, _ = await self.twilio.send_inbound(
            request.match_info["phone"], _text(body), webhook_base_url=replica
        )
        return web.json_response({"webhook_status": status})

    async def sms_transcript(self, request: web.Request) -> web.Response:
        return web.json_response(self.twilio.transcript(request.match_info["phone"]))

    async def sent(self, request: web.Request) -> web.Response:
        keys = ("sid", "to", "body", "status")
        return web.json_response([{k: m[k] for k in keys} for m in self.twilio.sent])


def make_standins_app(*, any_host: bool = False) -> web.Application:
    telegram = SharedTelegramStandIn()
    twilio = TwilioStandIn(
        LOCAL_TWILIO_SID, LOCAL_TWILIO_AUTH_TOKEN, our_number=LOCAL_TWILIO_NUMBER
    )
    app = web.Application()
    app.add_subapp(TELEGRAM_STANDIN_PATH, telegram.app)
    app.add_subapp(TWILIO_STANDIN_PATH, twilio.app)
    control = Control(telegram, twilio, any_host)
    for method, path, handler in control.routes():
        app.router.add_route(method, STANDIN_CONTROL_PATH + path, _guarded(handler, any_host))

    async def close_twilio(_app: web.Application) -> None:
        await twilio.close()

    app.on_cleanup.append(close_twilio)
    return app


async def serve_standins(host: str, port: int, *, any_host: bool = False) -> int:
    """Serves until SIGINT or SIGTERM."""
    runner = web.AppRunner(make_standins_app(any_host=any_host), access_log=None)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1]
        shown = f"[{host}]" if ":" in host else host
        print(f"stand-ins for Telegram and Twilio on http://{shown}:{bound}", flush=True)
        print(f"  start replicas with STANDINS_URL=http://{shown}:{bound}", flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()
    return 0
