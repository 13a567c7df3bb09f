"""A local stand-in for the Telegram Bot API, over real HTTP.

python-telegram-bot talks to it through `base_url`, so local mode and the
tests run the production path. It serves the methods the bot uses, keeps a
transcript per chat (edits applied), lets a test or the simulator play users
(messages, button presses), delivers updates by getUpdates or to a webhook,
and can be told to fail.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from bot.local.standins.telegram_methods import ApiError, BotApiMethods

# Form values PTB sends as plain strings; everything else is JSON-encoded.
_STRING_FIELDS = {
    "text",
    "caption",
    "parse_mode",
    "url",
    "secret_token",
    "callback_query_id",
    "language_code",
    "ip_address",
    "filename",
    "description",
    "short_description",
    "name",
}


@dataclass
class _Fault:
    method: str
    status: int
    description: str
    retry_after: int | None
    times: int


def _keyboard(markup: dict | None) -> list[list[dict]]:
    rows = (markup or {}).get("inline_keyboard", [])
    return [
        [
            {"text": b["text"], "data": b["callback_data"]}
            if "callback_data" in b
            else {"text": b["text"], "url": b.get("url", "")}
            for b in row
        ]
        for row in rows
    ]


class TelegramStandIn(BotApiMethods):
    def __init__(
        self, token: str, bot_username: str = "flerpart_local_bot", bot_id: int = 7000000001
    ) -> None:
        self.token = token
        self.bot_user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "flerpart (local)",
            "username": bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.answered_callbacks: list[dict] = []
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.webhook: dict | None = None
        self.calls: list[tuple[str, dict]] = []
        self.documents: dict[str, bytes] = {}
        self.sent_at: list[tuple[int, float]] = []  # (chat, monotonic time) per bot message
        self._users: dict[int, dict] = {}
        self._chats: dict[int, list[dict]] = {}  # stored messages, in order
        self._bot_sent: dict[int, int] = {}  # all-time count of bot messages per chat
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._open_callbacks: set[str] = set()
        self._updates: list[dict] = []
        self._pollers: list[web.Request] = []  # getUpdates requests being held open
        self._blocked: set[int] = set()
        self._faults: list[_Fault] = []
        self._changed = asyncio.Condition()
        self._session: aiohttp.ClientSession | None = None
        self.app = web.Application()
        self.app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self._closing = False
        self.app.on_shutdown.append(self._end_long_polls)
        self.app.on_cleanup.append(self._close_session)

    # --- playing users ------------------------------------------------------

    async def user_sends(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Test",
        language_code: str | None = "sv",
        username: str | None = None,
    ) -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        if username:
            user["username"] = username
        self._users[user_id] = user
        message = {
            "message_id": self._message_id(user_id),
            "from": user,
            "date": int(time.time()),
            "chat": self._chat(user_id),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self._chats.setdefault(user_id, []).append({"who": "user", "message": message})
        return await self._deliver({"message": message})

    def user_has_started(
        self, user_id: int, *, first_name: str = "Test", language_code: str | None = "sv"
    ) -> None:
        """The user opened the chat some time ago, so the bot may write to them.

        Nothing is delivered: tests that only need an open chat get no reply to discount.
        """
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        self._chats.setdefault(user_id, [])

    async def user_presses(self, user_id: int, message_id: int, data: str) -> dict:
        stored = self._find(user_id, message_id)
        if stored is None or stored["who"] != "bot":
            raise ValueError(f"no bot message {message_id} in chat {user_id}")
        callback_id = str(next(self._callback_ids))
        self._open_callbacks.add(callback_id)
        query = {
            "id": callback_id,
            "from": self._users.get(
                user_id, {"id": user_id, "is_bot": False, "first_name": "Test"}
            ),
            "message": stored["message"],
            "chat_instance": str(user_id),
            "data": data,
        }
        return await self._deliver({"callback_query": query})

    async def redeliver(self, update: dict) -> dict:
        """Delivers an update again, unchanged, as Telegram does when the bot did not
        confirm it in time (a webhook that timed out, a restart before the offset moved)."""
        return await self._hand_over(update)

    async def _deliver(self, payload: dict) -> dict:
        return await self._hand_over({"update_id": next(self._update_ids), **payload})

    async def _hand_over(self, update: dict) -> dict:
        """To the webhook when one is set, else to the next getUpdates."""
        if self.webhook is not None:
            await self._post_webhook(update)
        else:
            self._updates.append(update)
            await self._notify()
        return update

    async def _post_webhook(self, update: dict) -> None:
        assert self.webhook is not None
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {}
        if self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        async with self._session.post(self.webhook["url"], json=update, headers=headers) as r:
            await r.read()

    # --- reading ---------------------------------------------------------------

    def transcript(self, chat_id: int) -> list[dict]:
        entries = []
        for stored in self._chats.get(chat_id, []):
            message = stored["message"]
            entry = {
                "from": stored["who"],
                "message_id": message["message_id"],
                "text": message.get("text", message.get("caption", "")),
                "buttons": _keyboard(message.get("reply_markup")),
            }
            if "document" in message:
                entry["document"] = message["document"]["file_name"]
            entries.append(entry)
        return entries

    async def wait_for_bot_messages(
        self, chat_id: int, count: int, timeout: float = 5.0
    ) -> list[dict]:
        def ready() -> bool:
            return self._bot_sent.get(chat_id, 0) >= count

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(ready)
        except TimeoutError:
            seen = self._bot_sent.get(chat_id, 0)
            raise TimeoutError(
                f"Telegram stand-in: chat {chat_id} got {seen} bot message(s), "
                f"waited {timeout}s for {count}"
            ) from None
        return [e for e in self.transcript(chat_id) if e["from"] == "bot"]

    # --- fault injection -------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int,
        description: str = "",
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        text = description or {429: "Too Many Requests: retry later"}.get(status, "Injected")
        self._faults.append(_Fault(method, status, text, retry_after, times))

    def block_chat(self, chat_id: int) -> None:
        self._blocked.add(chat_id)

    # --- HTTP ----------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(ApiError(401, "Unauthorized"))
        name = request.match_info["method"]
        handler: Callable | None = self._methods().get(name.lower())
        if handler is None:
            return self._error(ApiError(404, "Not Found"))
        try:
            params = await self._params(request)
        except web.HTTPException:
            raise
        except Exception:  # like Telegram: a body it cannot read is a Bad Request
            return self._error(ApiError(400, "Bad Request: can't parse request body"))
        self.calls.append((name, params))
        try:
            self._injected_fault(name)
            if name.lower() == "getupdates":
                result = await self._one_poller(request, handler, params)
            else:
                result = await handler(params)
        except ApiError as error:
            return self._error(error)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
            # Telegram answers a parameter of the wrong shape with 400, never a 500.
            return self._error(ApiError(400, f"Bad Request: {type(error).__name__}"))
        return web.json_response({"ok": True, "result": result})

    def _methods(self) -> dict[str, Callable]:
        return {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "edittextmessage": self._edit_text,
            "editmessagetext": self._edit_text,
            "editmessagereplymarkup": self._edit_markup,
            "answercallbackquery": self._answer_callback,
            "setmycommands": self._set_commands,
            "getmycommands": self._get_commands,
            "deletemycommands": self._delete_commands,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._webhook_info,
            "senddocument": self._send_document,
            "sendchataction": self._true,
            "deletemessage": self._delete_message,
            "close": self._true,
            "logout": self._true,
        }

    async def _params(self, request: web.Request) -> dict:
        if request.content_type == "application/json":
            return await request.json()
        params: dict = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:
                    params[part.name] = {"filename": part.filename, "data": await part.read()}
                else:
                    params[part.name] = await part.text()
        else:
            params = dict(await request.post())
        return {key: self._decode(key, value) for key, value in params.items()}

    @staticmethod
    def _decode(key: str, value: object) -> object:
        if key in _STRING_FIELDS or not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            return value

    def _injected_fault(self, method: str) -> None:
        for fault in self._faults:
            if fault.method.lower() == method.lower():
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                raise ApiError(fault.status, fault.description, fault.retry_after)

    @staticmethod
    def _error(error: ApiError) -> web.Response:
        body: dict = {"ok": False, "error_code": error.status, "description": error.description}
        if error.retry_after is not None:
            body["parameters"] = {"retry_after": error.retry_after}
        return web.json_response(body, status=error.status)

    # --- methods ---------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _end_long_polls(self, _app: web.Application) -> None:
        """The server waits for open requests at shutdown: answer held polls now."""
        self._closing = True
        await self._notify()

    async def _close_session(self, _app: web.Application) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
