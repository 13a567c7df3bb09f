"""A channel-free conversation: replies with buttons, and flows made of steps.

Modelled on Home Assistant's config flows: a flow is a class, each step a pair
of methods, `ask_<step>` (what to say) and `take_<step>` (what the user
answered), and the wording comes from the catalogs. Where the user is
(flow, step, draft) lives in `ConversationState`, so a restart or another
process picks up exactly there. `bot/` turns a `Reply` into a Telegram message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from flows.core.i18n import _
from storage.models import ConversationState, Meeting, StaffUser

MAX_TEXT = 1000  # longer free text is refused with a clear answer, never cut silently


@dataclass(frozen=True)
class Press:
    """A button press as the flows receive it, already decoded by the channel adapter.

    A conversation's button carries the `version` it was shown at (it goes stale
    when the conversation moves on); a meeting's button carries its `meeting_id`
    instead (usable while the convenor is elsewhere in the chat)."""

    action: str
    args: tuple[str, ...] = ()
    version: int | None = None
    meeting_id: int | None = None


@dataclass(frozen=True)
class Button:
    """A button described without any channel's encoding (bot/telegram/callbacks.py
    turns it into Telegram's 64-byte callback data and back)."""

    label: str
    press: Press


@dataclass
class Reply:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    edit: bool = False  # replace the message whose button was pressed


@dataclass(frozen=True)
class Answer:
    """What the user gave at a step: typed text, or the value of a step button."""

    text: str | None = None
    choice: str | None = None


@dataclass
class Next:
    step: str
    said: list[Reply] = field(default_factory=list)  # before the next question


@dataclass
class Again:
    """The answer could not be used: say why; the question stands."""

    problem: str


@dataclass
class Finish:
    said: list[Reply] = field(default_factory=list)


Outcome = Next | Again | Finish


class StepFlow:
    name: ClassVar[str]
    first_step: ClassVar[str]

    def __init__(self, staff: StaffUser, state: ConversationState, meeting: Meeting | None):
        self.staff = staff
        self.state = state
        self.meeting = meeting
        self.draft: dict = dict(state.draft or {})

    async def ask(self, step: str) -> Reply:
        return await getattr(self, f"ask_{step}")()

    async def take(self, step: str, answer: Answer) -> Outcome:
        handler = getattr(self, f"take_{step}", None)
        if handler is None:  # a step renamed since the state was saved
            return Next(self.first_step)
        if answer.text is not None and len(answer.text) > MAX_TEXT:
            return Again(_("That is too long. Please keep it under {n} characters.", n=MAX_TEXT))
        return await handler(answer)

    async def finished(self) -> list[Reply]:
        """What to say when the flow ends, after what its last step said."""
        return []

    def option(self, label: str, value: str) -> Button:
        """A button answering the current step (stale once the step changes)."""
        return Button(label, Press("a", (value,), version=self.state.version))


def need_button() -> Again:
    return Again(_("Please tap one of the buttons."))
