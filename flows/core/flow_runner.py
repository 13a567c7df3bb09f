"""Runs step flows against the stored conversation, one answer at a time.

Each answer is taken in one transaction: the step's domain write (a meeting saved,
an attendee added, notices queued) and the conversation's new step, draft and
version commit together or not at all. The state row is only written while its
version is still the one the answer was checked against, so a press or a text
raced by another is refused and its write rolled back.

Typed text cannot carry a version the way buttons do, so the channel hands over the
message's id and time instead (`Heard`: ids grow in a chat, the bot's own messages
included; a redelivered update keeps both):

- a text already taken (its id and time among the last ones taken) is a repeat (a
  redelivered update): ignored. A text that merely arrives after a later one (two
  replicas, each with one of two quick messages) is not a repeat: it is taken;
- a text sent before the open question was shown answered an earlier question: it
  is ignored, unless that question was this same step (a loop such as "one
  decision per message") and the text is not a copy of the one just taken
  (a double send).

A message from a later second than the mark is never held against it, so a chat
whose ids started again (the local stand-in after a restart) is not silenced.

The draft keeps these marks under keys starting with "_"; flows leave them alone.

Several replicas may hold updates of one chat at the same moment: the state row is read
FOR UPDATE inside the answer's transaction (PostgreSQL), so they take their turns
instead of one of them losing the race (SQLite writes one at a time anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from flows.core.conversation import conversation
from flows.core.dialog import Again, Answer, Finish, Next, Outcome, Reply, StepFlow
from storage.models import ConversationState, Meeting, StaffUser

Flows = dict[str, type[StepFlow]]


@dataclass(frozen=True)
class Heard:
    """Where a message stands in its chat: its id, and when it was sent (epoch seconds)."""

    message_id: int
    at: int

    def before(self, mark: list[int] | None, *, same_too: bool) -> bool:
        """Sent before the marked message (or is it, `same_too`)."""
        if not mark:
            return False
        mark_id, mark_at = mark
        if self.at > mark_at:
            return False
        return self.message_id <= mark_id if same_too else self.message_id < mark_id


HEARD, HEARD_TEXT, ASKED, LEFT = "_heard", "_heard_text", "_asked", "_left"
TAKEN = "_taken"  # [id, at] of the last texts taken, newest last
KEEP_TAKEN = 30


class Raced(Exception):
    """The state moved on meanwhile (another update): `apply` wrote nothing."""


class _Refused(Exception):
    """Roll the transaction back: the answer is out of date or a repeat."""

    def __init__(self, replies: list[Reply] | None):
        self.replies = replies


async def _locked(staff: StaffUser) -> ConversationState:
    """The staff user's state, read FOR UPDATE inside the caller's transaction: one update
    of this chat at a time, across replicas (created first, the very first time)."""
    state = await ConversationState.select_for_update().get_or_none(staff_user=staff)
    if state is None:
        await conversation(staff)
        state = await ConversationState.select_for_update().get(staff_user=staff)
    return state


async def current(staff: StaffUser, flows: Flows) -> tuple[ConversationState, StepFlow | None]:
    state = await _locked(staff)
    flow = flows.get(state.flow or "")
    if flow is None or state.step is None:
        return state, None
    meeting = await Meeting.get_or_none(id=state.meeting_id) if state.meeting_id else None
    return state, flow(staff, state, meeting)


async def begin(
    staff: StaffUser, flow: type[StepFlow], meeting: Meeting | None, step: str, draft: dict
) -> list[Reply]:
    async with in_transaction():
        state = await _locked(staff)
        heard = {k: state.draft[k] for k in (HEARD, TAKEN) if k in (state.draft or {})}
        await ConversationState.filter(id=state.id).update(
            flow=flow.name,
            step=step,
            draft={**heard, **draft},
            meeting_id=meeting.id if meeting else None,
            version=F("version") + 1,
        )
        await state.refresh_from_db()
        return [await flow(staff, state, meeting).ask(step)]


def is_repeat(draft: dict, step: str | None, heard: Heard, text: str) -> bool:
    """A text already taken, or one that answered an earlier question (module doc)."""
    if TAKEN in draft:
        if [heard.message_id, heard.at] in draft[TAKEN]:
            return True
    elif heard.before(draft.get(HEARD), same_too=True):  # a draft from before TAKEN
        return True
    if not heard.before(draft.get(ASKED), same_too=False):
        return False
    return draft.get(LEFT) != step or text == draft.get(HEARD_TEXT)


async def answer(
    staff: StaffUser,
    flows: Flows,
    given: Answer,
    *,
    version: int | None = None,
    heard: Heard | None = None,
) -> list[Reply] | None:
    """The replies to an answer at the current step. None: a press that is out of date
    (old version, no flow, a value the step never offered). A repeated text: no reply."""
    try:
        async with in_transaction():
            state, flow = await current(staff, flows)
            if heard is not None and given.text is not None:
                if flow is None and heard.before((state.draft or {}).get(HEARD), same_too=True):
                    raise _Refused([])  # the last answer of a finished flow, again
            if flow is None or (version is not None and version != state.version):
                raise _Refused(None)
            raced = None if given.text is None else []  # a text raced by another: silence
            if heard is not None and given.text is not None:
                if is_repeat(flow.draft, state.step, heard, given.text):
                    raise _Refused([])
            outcome = await flow.take(state.step or "", given)
            if outcome is None:
                raise _Refused(None)  # a press on a value this step never offered
            if heard is not None and given.text is not None:
                flow.draft[HEARD] = [heard.message_id, heard.at]
                flow.draft[HEARD_TEXT] = given.text
                taken = [*flow.draft.get(TAKEN, []), [heard.message_id, heard.at]]
                flow.draft[TAKEN] = taken[-KEEP_TAKEN:]
            try:
                return await apply(state, flow, outcome)
            except Raced:
                raise _Refused(raced) from None
    except _Refused as refused:
        return refused.replies


async def _update(state: ConversationState, bump: bool = True, **fields: object) -> None:
    """Writes the state while it is still at the version the answer was checked against."""
    if bump:
        fields["version"] = F("version") + 1
    if not await ConversationState.filter(id=state.id, version=state.version).update(**fields):
        raise Raced


async def apply(state: ConversationState, flow: StepFlow, outcome: Outcome) -> list[Reply]:
    """Moves the conversation on; call inside the answer's transaction."""
    if isinstance(outcome, Again):
        # Save the draft: a partly valid answer may have been kept. Buttons stay valid.
        flow.draft[LEFT] = state.step  # the question is asked again
        await _update(state, bump=False, draft=flow.draft)
        return [Reply(outcome.problem), await flow.ask(state.step or flow.first_step)]
    meeting_id = flow.meeting.id if flow.meeting else None
    if isinstance(outcome, Next):
        flow.draft[LEFT] = state.step
        await _update(state, step=outcome.step, draft=flow.draft, meeting_id=meeting_id)
        await state.refresh_from_db()
        flow.state = state
        return [*outcome.said, await flow.ask(outcome.step)]
    assert isinstance(outcome, Finish)
    finished = await flow.finished()
    kept = {HEARD: flow.draft[HEARD]} if HEARD in flow.draft else {}
    await _update(state, flow=None, step=None, draft=kept, meeting_id=None)
    return [*outcome.said, *finished]


async def asked(staff: StaffUser, question: Heard) -> None:
    """The channel showed the open question as this message."""
    state = await conversation(staff)
    if state.flow is None:
        return
    draft = {**(state.draft or {}), ASKED: [question.message_id, question.at]}
    await ConversationState.filter(id=state.id, version=state.version).update(draft=draft)
