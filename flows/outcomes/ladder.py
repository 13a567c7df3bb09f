"""The six-step development ladder (Fokus 2.1, appendix 2) and the outcome categories.

The steps are fixed: six, numbered 1 (furthest from work or studies) to 6 (in work,
studies or on the right benefit). A team's admin may give a step another name
(`TeamLadderStep`), never another number; without one, the catalog's words are used.
Functions, not constants: `_()` reads the reader's locale at call time.
"""

from __future__ import annotations

from flows.core.i18n import _
from flows.core.text_clean import clean
from storage.models import OutcomeCategory, StaffUser, Team
from storage.record_models import TeamLadderStep

STEPS = (1, 2, 3, 4, 5, 6)
TOP_STEPS = (4, 5, 6)  # "in steps 4-6" on the dashboard, as in the report
MAX_NAME = 60


class NotAStep(ValueError):
    """Only the six steps exist: a team may rename one, not add or renumber."""


def default_name(step: int) -> str:
    """The step's short name, for a button or a table column."""
    return {
        1: _("At home, little contact"),
        2: _("Talks and a plan"),
        3: _("Activities in a group"),
        4: _("Guidance and applying"),
        5: _("Training or internship"),
        6: _("Work, studies or benefit"),
    }[step]


def description(step: int) -> str:
    """What the step means, in plain words, for the person and the convenor."""
    return {
        1: _("You are mostly at home. You meet few people."),
        2: _("You talk about what you want and need. A plan starts to take shape."),
        3: _("You take part in activities with others. Contact with the agencies is better."),
        4: _("You get guidance on studies or work. You apply for other support."),
        5: _("You are in an internship or work training. You have got support."),
        6: _("You work or study, or you have a decision on the right benefit."),
    }[step]


async def names(team_id: int | None) -> dict[int, str]:
    """The six names as this team calls them (its own where set, else the catalog's)."""
    own: dict[int, str] = {}
    if team_id is not None:
        rows = await TeamLadderStep.filter(team_id=team_id).values_list("step", "name")
        own = {step: name for step, name in rows if name}
    return {step: own.get(step) or default_name(step) for step in STEPS}


async def rename(team: Team, step: int, name: str, by: StaffUser | None) -> str:
    """A team's own name for a step; an empty name goes back to the catalog's words."""
    if step not in STEPS:
        raise NotAStep(step)
    name = " ".join(clean(name).split())[:MAX_NAME]
    if not name:
        await TeamLadderStep.filter(team=team, step=step).delete()
        return default_name(step)
    await TeamLadderStep.update_or_create(
        team=team, step=step, defaults={"name": name, "renamed_by": by}
    )
    return name


CATEGORIES = (
    OutcomeCategory.WORK,
    OutcomeCategory.STUDIES,
    OutcomeCategory.TRAINING,
    OutcomeCategory.LOOKING,
    OutcomeCategory.SICK_OR_BENEFIT,
    OutcomeCategory.OTHER,
)
WORK_OR_STUDIES = (OutcomeCategory.WORK, OutcomeCategory.STUDIES)
NATIONAL_WORK_OR_STUDIES = 34  # percent; Inriktning 2018 (seeds 004), for comparison


def category(value: OutcomeCategory) -> str:
    return {
        OutcomeCategory.WORK: _("Work"),
        OutcomeCategory.STUDIES: _("Studies"),
        OutcomeCategory.TRAINING: _("Internship or work training"),
        OutcomeCategory.LOOKING: _("Looking for work"),
        OutcomeCategory.SICK_OR_BENEFIT: _("Sick leave or benefit"),
        OutcomeCategory.OTHER: _("Something else"),
    }[value]


def category_of_digit(digit: int) -> OutcomeCategory | None:
    return CATEGORIES[digit - 1] if 1 <= digit <= len(CATEGORIES) else None
