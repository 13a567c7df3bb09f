"""The step engine: a press is checked against the buttons the step offered, and each
answer's domain write commits with the conversation's new state, or not at all."""

from __future__ import annotations

from tortoise.expressions import F

from flows.core.dialog import Press
from flows.core.flow_runner import ASKED, HEARD, HEARD_TEXT, LEFT, TAKEN, Heard, is_repeat
from flows.core.i18n import use_locale
from flows.meetings import convenor
from flows.meetings.meeting_form import MeetingForm
from storage.models import ConversationState, Meeting
from tests.factories import convenor as make_convenor


async def test_a_press_with_a_value_the_step_never_offered_is_out_of_date(db):
    staff = await make_convenor()
    with use_locale("en"):
        await convenor.new(staff)
        await convenor.on_text(staff, "We make a plan.")
        state = await ConversationState.get(staff_user=staff)
        assert state.step == "kind"
        forged = Press("a", ("no_such_kind",), version=state.version)
        assert await convenor.on_answer(staff, forged) is None
    after = await ConversationState.get(staff_user=staff)
    assert (after.step, after.version) == ("kind", state.version)


async def test_a_step_whose_state_moved_on_meanwhile_writes_nothing(db, monkeypatch):
    """Another update (another process, a second tap) moves the conversation on while
    this answer is taken: the meeting this answer created is rolled back with it."""
    staff = await make_convenor()
    with use_locale("en"):
        await convenor.new(staff)
        taken = MeetingForm.take_purpose

        async def raced(self, *args):
            outcome = await taken(self, *args)
            await ConversationState.filter(id=self.state.id).update(version=F("version") + 1)
            return outcome

        monkeypatch.setattr(MeetingForm, "take_purpose", raced)
        await convenor.on_text(staff, "We make a plan.")
    assert not await Meeting.exists()
    assert (await ConversationState.get(staff_user=staff)).step == "purpose"


def test_a_text_that_arrives_after_a_later_one_is_taken_not_dropped_as_a_repeat():
    """Two quick messages in a one-per-message step ("decisions") reach two replicas and
    are taken in the other order: the earlier one is still taken (it was never taken
    before); only the same message again (a redelivered update) is a repeat."""
    asked = [5, 1_700_000_000]
    draft = {
        ASKED: asked,
        LEFT: "decisions",
        HEARD: [11, 1_700_000_002],
        HEARD_TEXT: "B",
        TAKEN: [[11, 1_700_000_002]],
    }
    earlier = Heard(10, 1_700_000_002)
    assert not is_repeat(draft, "decisions", earlier, "A")
    assert is_repeat(draft, "decisions", Heard(11, 1_700_000_002), "B")
