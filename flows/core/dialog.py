"""A channel-free conversation: replies with buttons, and flows made of steps.

Modelled on Home Assistant's config flows: a flow is a class whose steps are
declared (`Step`: the buttons' values or a text validator, what is kept, the
next step); `ask_<step>` says the question and an optional `take_<step>` does
the domain write with an answer the engine has already checked. The wording
comes from the catalogs. Where the user is
(flow, step, draft) lives in `ConversationState`, so a restart or another
process picks up exactly there. `bot/` turns a `Reply` into a Telegram message.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

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


@dataclass(frozen=True)
class Invalid:
    """A validator's answer to text it cannot use: what to tell the user."""

    problem: str


@dataclass(frozen=True)
class Step:
    """A declared step, as Home Assistant declares a config flow's: what it accepts,
    what it keeps and where it goes. The engine (`StepFlow.take`) does the checking once.

    - `choices`: the values of the step's buttons (`self.option(label, value)`), or
      the name of an async method giving them when they depend on the data. A press
      with any other value is out of date (forged, or from another question).
    - `text`: the validator for typed text (a function, or the name of a method, async
      or not): the value to keep, or `Invalid(problem)`. None: buttons only.
    - `store`: the draft key the answer (the pressed value or the valid text) goes in.
    - `next`: the following step, fixed or a function of the answer; None finishes.
      A `take_<step>(taken)` method, when there is one, does the domain write and may
      return its own outcome instead (None: go on to `next`).
    """

    choices: tuple[str, ...] | str = ()
    text: Callable[[str], Any] | str | None = None
    store: str | None = None
    next: str | Callable[[Any], str | None] | None = None


@dataclass(frozen=True)
class Taken:
    """A checked answer: the value of a button that was offered, or valid typed text."""

    choice: str | None = None
    value: Any = None

    @property
    def given(self) -> Any:
        return self.choice if self.choice is not None else self.value


class StepFlow:
    name: ClassVar[str]
    first_step: ClassVar[str]
    steps: ClassVar[dict[str, Step]] = {}

    def __init__(self, staff: StaffUser, state: ConversationState, meeting: Meeting | None):
        self.staff = staff
        self.state = state
        self.meeting = meeting
        self.draft: dict = dict(state.draft or {})

    async def ask(self, step: str) -> Reply:
        return await getattr(self, f"ask_{step}")()

    async def take(self, step: str, answer: Answer) -> Outcome | None:
        """What the answer leads to; None for a press on a button this step never offered."""
        declared = self.steps.get(step)
        if declared is None:  # a step renamed since the state was saved
            return Next(self.first_step)
        if answer.choice is not None:
            if answer.choice not in await self.choices(declared):
                return None
            taken = Taken(choice=answer.choice)
        elif declared.text is None:
            return need_button()
        else:
            text = answer.text or ""
            if len(text) > MAX_TEXT:
                return Again(
                    _("That is too long. Please keep it under {n} characters.", n=MAX_TEXT)
                )
            value = await _call(self._method(declared.text), text)
            if isinstance(value, Invalid):
                return Again(value.problem)
            taken = Taken(value=value)
        if declared.store:
            self.draft[declared.store] = taken.given
        handler = getattr(self, f"take_{step}", None)
        outcome = await handler(taken) if handler is not None else None
        if outcome is not None:
            return outcome
        following = declared.next(taken.given) if callable(declared.next) else declared.next
        return Next(following) if following else Finish()

    async def choices(self, declared: Step) -> tuple[str, ...]:
        if isinstance(declared.choices, str):
            return tuple(await self._method(declared.choices)())
        return declared.choices

    def _method(self, named: Any) -> Any:
        return getattr(self, named) if isinstance(named, str) else named

    async def finished(self) -> list[Reply]:
        """What to say when the flow ends, after what its last step said."""
        return []

    def option(self, label: str, value: str) -> Button:
        """A button answering the current step (stale once the step changes)."""
        return Button(label, Press("a", (value,), version=self.state.version))


async def _call(function: Callable[[str], Any], text: str) -> Any:
    result = function(text)
    return await result if inspect.isawaitable(result) else result


def need_button() -> Again:
    return Again(_("Please tap one of the buttons."))
