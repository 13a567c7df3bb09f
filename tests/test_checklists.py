import pytest

from flows.meetings.checklists import item, items, progress, progress_bar
from storage.models import Checklist, TickState


@pytest.mark.parametrize(
    ("checklist", "count"), [(Checklist.PREPARATION, 9), (Checklist.MEETING, 8)]
)
def test_checklists_have_their_items_in_both_languages(checklist, count):
    loaded = items(checklist)
    assert len(loaded) == count
    assert len({i.key for i in loaded}) == count  # keys are unique: they are stored
    for entry in loaded:
        assert entry.wording("sv") and entry.wording("en")
        assert entry.wording("sv") != entry.wording("en")


def test_unknown_locale_falls_back_to_swedish():
    first = items(Checklist.PREPARATION)[0]
    assert first.wording("ar") == first.wording("sv")
    assert item(Checklist.PREPARATION, "no-such-key") is None


def test_not_applicable_items_leave_the_count_and_later_is_not_done():
    ticks = {
        "purpose": TickState.DONE,
        "interpreter": TickState.NOT_APPLICABLE,
        "consent": TickState.LATER,
    }
    assert progress(ticks, Checklist.PREPARATION) == (1, 8)


@pytest.mark.parametrize(
    ("done", "total", "bar"),
    [
        (3, 5, "▰▰▰▱▱ 3/5"),
        (0, 8, "▱▱▱▱▱ 0/8"),
        (7, 8, "▰▰▰▰▱ 7/8"),
        (8, 8, "▰▰▰▰▰ 8/8"),
        (0, 0, "▱▱▱▱▱ 0/0"),
    ],
)
def test_progress_bar(done, total, bar):
    assert progress_bar(done, total) == bar
