"""A local stand-in for Twilio's Messages API, over real HTTP.

The real `twilio` client talks to it (`client.api.base_url`), so local mode and
the tests run the production path. It records messages, answers like Twilio
(JSON bodies, error codes), sends signed status callbacks, injects signed
inbound SMS into our `/twilio/sms`, and can be told to fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from bot.local.standins.twilio_webhooks import API_VERSION, TwilioWebhooks, rfc2822_now
from bot.sms.twilio_client import basic_auth_header
from bot.web.web_input import read_form
from flows.participants.sms_parts import sms_parts

log = logging.getLogger(__name__)

Behaviour = Literal["invalid", "unsubscribed", "undelivered", "failed", "ok"]
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
# What Twilio answers for the HTTP statuses tests inject most.
_HTTP_ERRORS = {
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}


@dataclass
class _Fault:
    status: int
    code: int
    message: str
    times: int


def _error(status: int, code: int, message: str) -> web.Response:
    # Twilio's legacy error shape: TwilioRestException, not TwilioServiceException.
    return web.json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status=status,
    )


class TwilioStandIn(TwilioWebhooks):
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        webhook_base_url: str | None = None,
        our_number: str = "+46700000000",
        callback_delay: float = 0.05,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.webhook_base_url = webhook_base_url  # where our /twilio/sms lives
        self.our_number = our_number
        self.callback_delay = callback_delay
        # Set it when our number belongs to a Messaging Service: inbound SMS then carry it.
        self.messaging_service_sid: str | None = None
        self.sent: list[dict] = []
        self._by_sid: dict[str, dict] = {}
        self._log: list[dict] = []  # transcript entries, in and out, in order
        self._behaviour: dict[str, Behaviour] = {}
        self._opted_out: set[str] = set()
        self._faults: list[_Fault] = []
        self._hangs: list[float] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Condition()
        self._session: aiohttp.ClientSession | None = None
        self._validator = RequestValidator(auth_token)
        self._closing = asyncio.Event()
        self.app = web.Application()
        # A server shutting down waits for open requests: let it end the hangs.
        self.app.on_shutdown.append(self._end_hangs)
        base = f"/{API_VERSION}/Accounts/{{sid}}/Messages"
        self.app.router.add_post(base + ".json", self._create)
        self.app.router.add_get(base + "/{message_sid}.json", self._fetch)

    # --- fault injection -------------------------------------------------

    def fail_next(
        self, status: int, *, times: int = 1, code: int | None = None, message: str = ""
    ) -> None:
        """The next `times` create calls answer HTTP `status` with Twilio's JSON error."""
        default_code, default_message = _HTTP_ERRORS.get(status, (20000 + status, ""))
        self._faults.append(_Fault(status, code or default_code, message or default_message, times))

    def hang_next(self, times: int = 1, seconds: float = 30.0) -> None:
        """The next `times` create calls answer only after `seconds`."""
        self._hangs.extend([seconds] * times)

    def set_number_behaviour(self, phone: str, behaviour: Behaviour) -> None:
        self._behaviour[phone] = behaviour

    # --- reading ---------------------------------------------------------

    def transcript(self, phone: str) -> list[dict]:
        return [
            {k: entry[k] for k in ("direction", "text", "status", "parts", "encoding")}
            for entry in self._log
            if entry["phone"] == phone
        ]

    async def wait_for_sent(self, count: int, timeout: float = 5.0) -> list[dict]:
        await self._wait(lambda: len(self.sent) >= count, timeout, f"{count} sent SMS")
        return list(self.sent)

    async def wait_for_reply(self, phone: str, after: int, timeout: float = 5.0) -> dict:
        """The first message to `phone` past its transcript's first `after` entries: our
        answer to an inbound SMS, whether TwiML or sent through the Messages API later."""

        def reply() -> dict | None:
            entries = self.transcript(phone)[after:]
            return next((e for e in entries if e["direction"] == "out"), None)

        await self._wait(lambda: reply() is not None, timeout, f"a reply to {phone}")
        found = reply()
        assert found is not None
        return found

    async def wait_for_status(self, sid: str, status: str, timeout: float = 5.0) -> None:
        await self._wait(
            lambda: self._by_sid.get(sid, {}).get("status") == status,
            timeout,
            f"{sid} to be {status}",
        )

    async def _wait(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(ready)
        except TimeoutError:
            raise TimeoutError(f"Twilio stand-in: waited {timeout}s for {what}") from None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- the Messages API -------------------------------------------------

    def _authorised(self, request: web.Request) -> bool:
        given = request.headers.get("Authorization", "")
        expected = basic_auth_header(self.account_sid, self.auth_token)
        return request.match_info["sid"] == self.account_sid and secrets.compare_digest(
            given.encode(), expected.encode()
        )

    async def _create(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        if self._hangs:
            seconds = self._hangs.pop(0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)
        if self._faults:
            fault = self._faults[0]
            fault.times -= 1
            if fault.times <= 0:
                self._faults.pop(0)
            return _error(fault.status, fault.code, fault.message)
        try:
            form = await read_form(request)
        except web.HTTPException:
            return _error(400, 20001, "Could not read the request body.")
        to, body = str(form.get("To", "")), str(form.get("Body", ""))
        sender = str(form.get("From", "")) or None
        service = str(form.get("MessagingServiceSid", "")) or None
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not sender and not service:
            return _error(400, 21603, "A 'From' phone number is required.")
        if not body:
            return _error(400, 21602, "Message body is required.")
        if len(body) > 1600:
            return _error(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        behaviour = self._behaviour.get(to, "ok")
        if not _E164.match(to) or behaviour == "invalid":
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if to in self._opted_out or behaviour == "unsubscribed":
            return _error(400, 21610, "Attempt to send to unsubscribed recipient")
        parts = sms_parts(body)
        now = rfc2822_now()
        sid = "SM" + secrets.token_hex(16)
        record = {
            "sid": sid,
            "to": to,
            "from": sender,
            "messaging_service_sid": service,
            "body": body,
            "status": "queued",
            "parts": parts.parts,
            "encoding": parts.encoding,
            "status_callback": str(form.get("StatusCallback", "")) or None,
            "error_code": None,
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "received_at": time.monotonic(),  # for pacing checks
        }
        self.sent.append(record)
        self._by_sid[sid] = record
        self._log.append(
            {
                "phone": to,
                "direction": "out",
                "text": body,
                "status": "queued",
                "parts": parts.parts,
                "encoding": parts.encoding,
                "sid": sid,
            }
        )
        self._spawn(self._progress(record, behaviour))
        await self._notify()
        return web.json_response(self._resource(record), status=201)

    async def _fetch(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, 20003, "Authenticate")
        record = self._by_sid.get(request.match_info["message_sid"])
        if record is None:
            return _error(404, 20404, "The requested resource was not found")
        return web.json_response(self._resource(record))

    def _resource(self, record: dict) -> dict:
        """A Message resource as Twilio returns it; every field MessageInstance reads."""
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{record['sid']}.json"
        return {
            "sid": record["sid"],
            "account_sid": self.account_sid,
            "to": record["to"],
            # Sent through a Messaging Service, "from" stays null until a sender is picked.
            "from": record["from"] or (self.our_number if record["status"] != "queued" else None),
            "messaging_service_sid": record["messaging_service_sid"],
            "body": record["body"],
            "status": record["status"],
            "num_segments": str(record["parts"]),
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": API_VERSION,
            "price": None,
            "price_unit": "USD",
            "error_code": record["error_code"],
            "error_message": None,
            "date_created": record["date_created"],
            "date_updated": record["date_updated"],
            "date_sent": record["date_sent"],
            "uri": uri,
            "subresource_uris": {
                "media": uri.replace(".json", "/Media.json"),
                "feedback": uri.replace(".json", "/Feedback.json"),
            },
        }

    # --- status callbacks and inbound --------------------------------------

    async def _end_hangs(self, _app: web.Application) -> None:
        self._closing.set()

    async def close(self) -> None:
        self._closing.set()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None
