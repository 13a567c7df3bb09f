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
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Literal
from xml.etree import ElementTree

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from bot.twilio_client import basic_auth_header
from flows.sms_parts import sms_parts

log = logging.getLogger(__name__)

Behaviour = Literal["invalid", "unsubscribed", "undelivered", "failed", "ok"]
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
_START_WORDS = {"START", "UNSTOP", "YES"}


@dataclass
class _Fault:
    status: int
    code: int | None
    message: str
    times: int


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status=status,
    )


class TwilioStandIn:
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
        self.webhook_base_url = webhook_base_url
        self.our_number = our_number
        self.callback_delay = callback_delay
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
        self.app.on_shutdown.append(self._end_hangs)
        base = "/2010-04-01/Accounts/{sid}/Messages"
        self.app.router.add_post(base + ".json", self._create)
        self.app.router.add_get(base + "/{message_sid}.json", self._fetch)

    # --- fault injection -------------------------------------------------

    def fail_next(
        self, status: int, *, times: int = 1, code: int | None = None, message: str = ""
    ) -> None:
        self._faults.append(_Fault(status, code, message or f"injected HTTP {status}", times))

    def hang_next(self, times: int = 1, seconds: float = 30.0) -> None:
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

    async def wait_for_status(self, sid: str, status: str, timeout: float = 5.0) -> None:
        await self._wait(
            lambda: self._by_sid.get(sid, {}).get("status") == status,
            timeout,
            f"{sid} to be {status}",
        )

    async def _wait(self, ready, timeout: float, what: str) -> None:
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
            # Hang, but let the server's shutdown end it (it waits for open requests).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self._hangs.pop(0))
        if self._faults:
            fault = self._faults[0]
            fault.times -= 1
            if fault.times <= 0:
                self._faults.pop(0)
            return _error(fault.status, fault.code or fault.status * 100, fault.message)
        form = await request.post()
        to, body = str(form.get("To", "")), str(form.get("Body", ""))
        sender = str(form.get("From", "")) or None
        service = str(form.get("MessagingServiceSid", "")) or None
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
        now = format_datetime(datetime.now(UTC), usegmt=True)
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
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{record['sid']}.json"
        return {
            "sid": record["sid"],
            "account_sid": self.account_sid,
            "to": record["to"],
            "from": record["from"] or self.our_number,
            "messaging_service_sid": record["messaging_service_sid"],
            "body": record["body"],
            "status": record["status"],
            "num_segments": str(record["parts"]),
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": None,
            "price_unit": "USD",
            "error_code": record["error_code"],
            "error_message": None,
            "date_created": record["date_created"],
            "date_updated": record["date_created"],
            "date_sent": None,
            "uri": uri,
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
        }

    # --- status callbacks and inbound --------------------------------------

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _progress(self, record: dict, behaviour: Behaviour) -> None:
        final, code = {"undelivered": ("undelivered", "30003"), "failed": ("failed", "30006")}.get(
            behaviour, ("delivered", None)
        )
        for status in ("sent", final):
            await asyncio.sleep(self.callback_delay)
            record["status"] = status
            if status == final:
                record["error_code"] = int(code) if code else None
            for entry in self._log:
                if entry.get("sid") == record["sid"]:
                    entry["status"] = status
            if record["status_callback"]:
                fields = {
                    "MessageSid": record["sid"],
                    "SmsSid": record["sid"],
                    "MessageStatus": status,
                    "SmsStatus": status,
                    "AccountSid": self.account_sid,
                    "From": record["from"] or self.our_number,
                    "To": record["to"],
                    "ApiVersion": "2010-04-01",
                }
                if status == final and code:
                    fields["ErrorCode"] = code
                await self._post_signed(record["status_callback"], fields)
            # Waiters wake after the callback was answered, so they see its effect.
            await self._notify()

    async def _post_signed(self, url: str, fields: dict[str, str]) -> tuple[int, str]:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        signature = self._validator.compute_signature(url, fields)
        try:
            async with self._session.post(
                url, data=fields, headers={"X-Twilio-Signature": signature}
            ) as response:
                return response.status, await response.text()
        except aiohttp.ClientError as error:
            log.debug("callback to %s failed: %s", url, error)
            return 0, ""

    async def send_inbound(
        self, from_: str, body: str, *, message_sid: str | None = None, to: str | None = None
    ) -> tuple[int, str]:
        """An SMS from `from_` to our number, posted signed to our `/twilio/sms`."""
        if not self.webhook_base_url:
            raise RuntimeError("set webhook_base_url first")
        sid = message_sid or "SM" + secrets.token_hex(16)
        parts = sms_parts(body)
        fields = {
            "ToCountry": "SE",
            "ToState": "",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ToCity": "",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "",
            "SmsStatus": "received",
            "FromCity": "",
            "Body": body,
            "FromCountry": "SE",
            "To": to or self.our_number,
            "ToZip": "",
            "NumSegments": str(parts.parts),
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": from_,
            "ApiVersion": "2010-04-01",
        }
        self._log.append(
            {
                "phone": from_,
                "direction": "in",
                "text": body,
                "status": "received",
                "parts": parts.parts,
                "encoding": parts.encoding,
                "sid": sid,
            }
        )
        keyword = body.strip().upper()
        if keyword in _STOP_WORDS:
            self._opted_out.add(from_)  # Twilio's own opt-out, per sender
        elif keyword in _START_WORDS:
            self._opted_out.discard(from_)
        status, text = await self._post_signed(self.webhook_base_url + "/twilio/sms", fields)
        if status == 200:
            self._reply_from_twiml(from_, text)
        await self._notify()
        return status, text

    def _reply_from_twiml(self, phone: str, twiml: str) -> None:
        """Twilio sends each <Message> of the webhook's answer back to the sender."""
        try:
            root = ElementTree.fromstring(twiml)
        except ElementTree.ParseError:
            return
        for element in root.iter("Message"):
            reply = "".join(element.itertext())
            parts = sms_parts(reply)
            self._log.append(
                {
                    "phone": phone,
                    "direction": "out",
                    "text": reply,
                    "status": "delivered",
                    "parts": parts.parts,
                    "encoding": parts.encoding,
                    "sid": None,
                }
            )

    async def _end_hangs(self, _app: web.Application) -> None:
        self._closing.set()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None
