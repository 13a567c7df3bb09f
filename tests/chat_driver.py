"""A convenor typing and tapping in Telegram, through the stand-in, for end-to-end tests.

`send` and `tap` wait until PTB has finished processing the update (the
Application's `process_update` is wrapped to record it), so each step of a
test starts from a settled chat; `send` then checks the expected words came.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.process import FlerpartProcess
from tests.conftest import eventually


@dataclass
class Chat:
    process: FlerpartProcess
    user_id: int
    language_code: str = "en"
    last_update: dict = field(default_factory=dict)  # the last one `send` delivered

    def __post_init__(self) -> None:
        application = self.process.services.telegram
        if hasattr(application, "processed_update_ids"):
            return
        processed: set[int] = set()
        times: Counter[int] = Counter()  # how often each update was processed
        original = application.process_update

        async def recording(update: object) -> None:
            try:
                await original(update)
            finally:
                processed.add(getattr(update, "update_id", -1))
                times[getattr(update, "update_id", -1)] += 1

        application.process_update = recording
        application.processed_update_ids = processed
        application.processed_times = times

    async def _settled(self, update: dict) -> None:
        processed = self.process.services.telegram.processed_update_ids

        async def done() -> bool:
            return update["update_id"] in processed

        await eventually(done)

    @property
    def telegram(self):
        return self.process.services.telegram_standin

    def bot_messages(self) -> list[dict]:
        return [e for e in self.telegram.transcript(self.user_id) if e["from"] == "bot"]

    async def send(self, text: str, expect: str) -> list[dict]:
        """Sends text; returns the bot messages since, once one contains `expect`."""
        mark = len(self.telegram.transcript(self.user_id))
        update = await self.telegram.user_sends(
            self.user_id, text, language_code=self.language_code
        )
        await self._settled(update)
        self.last_update = update
        new = [e for e in self.telegram.transcript(self.user_id)[mark:] if e["from"] == "bot"]
        assert any(expect in e["text"] for e in new), f"{expect!r} not in {new}"
        return new

    async def redeliver(self, update: dict) -> list[dict]:
        """Telegram delivers `update` again; returns the bot messages since."""
        times = self.process.services.telegram.processed_times
        mark, before = len(self.telegram.transcript(self.user_id)), times[update["update_id"]]
        await self.telegram.redeliver(update)

        async def done() -> bool:
            return times[update["update_id"]] > before

        await eventually(done)
        return [e for e in self.telegram.transcript(self.user_id)[mark:] if e["from"] == "bot"]

    async def send_twice_at_once(self, text: str, expect: str) -> list[dict]:
        """The same text sent twice before the bot answers (a double send)."""
        mark = len(self.telegram.transcript(self.user_id))
        first = await self.telegram.user_sends(self.user_id, text, language_code=self.language_code)
        second = await self.telegram.user_sends(
            self.user_id, text, language_code=self.language_code
        )
        await self._settled(first)
        await self._settled(second)
        new = [e for e in self.telegram.transcript(self.user_id)[mark:] if e["from"] == "bot"]
        assert any(expect in e["text"] for e in new), f"{expect!r} not in {new}"
        return new

    def find_button(self, label: str) -> tuple[dict, dict]:
        """The newest bot message with a button whose label contains `label`."""
        for message in reversed(self.bot_messages()):
            for row in message["buttons"]:
                for button in row:
                    if label in button["text"]:
                        return message, button
        raise AssertionError(f"no button {label!r} in {self.bot_messages()[-3:]}")

    async def tap(self, label: str) -> str | None:
        """Taps the newest button labelled so; returns the answer's toast text (None: none)."""
        message, button = self.find_button(label)
        return await self.press(message["message_id"], button["data"])

    async def press(self, message_id: int, data: str) -> str | None:
        answered = len(self.telegram.answered_callbacks)
        update = await self.telegram.user_presses(self.user_id, message_id, data)
        await self._settled(update)
        assert len(self.telegram.answered_callbacks) > answered, "the press was not answered"
        return self.telegram.answered_callbacks[answered]["text"]

    async def wait_for(self, words: str) -> str:
        """Waits until the newest bot message contains `words` (a message the bot sent by
        itself, or one it edited)."""

        async def shown() -> bool:
            return bool(self.bot_messages()) and words in self.last()

        await eventually(shown)
        return self.last()

    def last(self) -> str:
        return self.bot_messages()[-1]["text"]

    def texts(self) -> str:
        return "\n---\n".join(m["text"] for m in self.bot_messages())
