"""The Bot API methods the Telegram stand-in answers (sendMessage, editMessageText,
answerCallbackQuery, setWebhook, ...), as PTB calls them; the stand-in's own state and
the users' side are in telegram_api."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable

from aiohttp import web

# Form values PTB sends as plain strings; everything else is JSON-encoded.

MAX_TEXT = 4096


_MESSAGE_IDS: dict[int, itertools.count] = {}  # per chat, shared by every stand-in


POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


class BotApiMethods:
    async def _true(self, params: dict) -> bool:
        return True

    async def _get_me(self, params: dict) -> dict:
        return self.bot_user

    async def _one_poller(self, request: web.Request, handler: Callable, params: dict) -> object:
        """Like Telegram: while one getUpdates is held open, another is a 409 Conflict
        (a second bot instance polling). A poll whose client went away does not count."""
        live = [r for r in self._pollers if r.transport and not r.transport.is_closing()]
        if live:
            raise ApiError(409, POLL_CONFLICT)
        self._pollers.append(request)
        try:
            return await handler(params)
        finally:
            self._pollers.remove(request)

    async def _get_updates(self, params: dict) -> list[dict]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0:
            try:
                async with asyncio.timeout(timeout), self._changed:
                    await self._changed.wait_for(lambda: bool(self._updates) or self._closing)
            except TimeoutError:
                pass
        allowed = params.get("allowed_updates") or None
        updates = self._updates[:limit]
        if allowed:
            updates = [u for u in updates if any(kind in u for kind in allowed)]
        return updates

    def _chat(self, chat_id: int) -> dict:
        user = self._users.get(chat_id, {})
        return {"id": chat_id, "type": "private", "first_name": user.get("first_name", "Test")}

    def _message_id(self, chat_id: int) -> int:
        # As in Telegram, ids in a chat only grow, also across a restart of the bot
        # (here: a new stand-in in the same interpreter); the flows rely on it.
        return next(_MESSAGE_IDS.setdefault(chat_id, itertools.count(1)))

    def _known_chat(self, params: dict) -> int:
        chat_id = int(params.get("chat_id", 0))
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _find(self, chat_id: int, message_id: int) -> dict | None:
        for stored in self._chats.get(chat_id, []):
            if stored["message"]["message_id"] == message_id:
                return stored
        return None

    async def _store_bot_message(self, chat_id: int, fields: dict) -> dict:
        message = {
            "message_id": self._message_id(chat_id),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **fields,
        }
        self._chats[chat_id].append({"who": "bot", "message": message})
        self._bot_sent[chat_id] = self._bot_sent.get(chat_id, 0) + 1
        self.sent_at.append((chat_id, time.monotonic()))
        await self._notify()
        return message

    async def _send_message(self, params: dict) -> dict:
        chat_id = self._known_chat(params)
        text = str(params.get("text", ""))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        fields: dict = {"text": text}
        if params.get("reply_markup"):
            fields["reply_markup"] = params["reply_markup"]
        return await self._store_bot_message(chat_id, fields)

    def _editable(self, params: dict) -> dict:
        chat_id = self._known_chat(params)
        stored = self._find(chat_id, int(params.get("message_id", 0)))
        if stored is None or stored["who"] != "bot":
            raise ApiError(400, "Bad Request: message to edit not found")
        return stored["message"]

    async def _edit_text(self, params: dict) -> dict:
        message = self._editable(params)
        text = str(params.get("text", ""))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        markup = params.get("reply_markup")
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message "
                "content and reply markup are exactly the same as a current "
                "content and reply markup of the message",
            )
        message["text"] = text
        self._set_markup(message, markup)
        await self._notify()
        return message

    async def _edit_markup(self, params: dict) -> dict:
        message = self._editable(params)
        markup = params.get("reply_markup")
        if markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        self._set_markup(message, markup)
        await self._notify()
        return message

    @staticmethod
    def _set_markup(message: dict, markup: dict | None) -> None:
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)

    async def _delete_message(self, params: dict) -> bool:
        chat_id = self._known_chat(params)
        stored = self._find(chat_id, int(params.get("message_id", 0)))
        if stored is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        self._chats[chat_id].remove(stored)
        await self._notify()
        return True

    async def _answer_callback(self, params: dict) -> bool:
        callback_id = str(params.get("callback_query_id", ""))
        if callback_id not in self._open_callbacks:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._open_callbacks.discard(callback_id)
        self.answered_callbacks.append(
            {
                "callback_query_id": callback_id,
                "text": params.get("text"),
                "show_alert": bool(params.get("show_alert", False)),
            }
        )
        await self._notify()
        return True

    @staticmethod
    def _command_key(params: dict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return scope.get("type", "default"), str(params.get("language_code") or "")

    async def _set_commands(self, params: dict) -> bool:
        self.commands[self._command_key(params)] = list(params.get("commands") or [])
        return True

    async def _get_commands(self, params: dict) -> list[dict]:
        return self.commands.get(self._command_key(params), [])

    async def _delete_commands(self, params: dict) -> bool:
        self.commands.pop(self._command_key(params), None)
        return True

    async def _set_webhook(self, params: dict) -> bool:
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        return True

    async def _delete_webhook(self, params: dict) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _webhook_info(self, params: dict) -> dict:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _send_document(self, params: dict) -> dict:
        chat_id = self._known_chat(params)
        document = params.get("document")
        if not isinstance(document, dict):
            raise ApiError(400, "Bad Request: there is no document in the request")
        file_id = f"doc{len(self.documents) + 1}"
        self.documents[file_id] = document["data"]
        fields: dict = {
            "document": {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": document["filename"],
                "mime_type": "application/octet-stream",
                "file_size": len(document["data"]),
            }
        }
        if params.get("caption"):
            fields["caption"] = params["caption"]
        return await self._store_bot_message(chat_id, fields)
