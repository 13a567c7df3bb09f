"""What coordinators see about movement: the step at each person's first and latest
assessed meeting, the share now in steps 4-6, and the outcome answers beside the national
share to work or studies. Within a scope (flows.staff.scope) and a period of meeting days.

Small cells: a group of fewer than `MIN_CELL` people shows no figures at all, and a count
of 1 to 4 is shown as "fewer than 5" (None here), so no one can be picked out. A lone
hidden cell beside a shown total takes a second cell with it (`protected`), so it cannot
be worked out by subtraction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from flows.outcomes import ladder
from flows.staff.scope import Scope
from storage.models import Meeting, OutcomeCategory, StepAssessor, SurveyStatus
from storage.record_models import OutcomeAnswer, StepAssessment

MIN_CELL = 5


def shown(count: int) -> int | None:
    """A count as it may be shown: 0 and 5 or more as they are, 1-4 hidden (None)."""
    return count if count == 0 or count >= MIN_CELL else None


def protected(counts: dict, total_shown: bool = True) -> dict:
    """The cells of one breakdown as they may be shown. With the total shown, a single
    hidden cell could be worked out by subtraction (total minus the others), so a second
    one is hidden with it: the smallest other cell above zero (secondary suppression)."""
    cells = {key: shown(n) for key, n in counts.items()}
    hidden = [key for key, n in cells.items() if n is None]
    if total_shown and len(hidden) == 1:
        others = [(n, str(key)) for key, n in counts.items() if key not in hidden and n > 0]
        if others:
            _n, second = min(others)
            for key in counts:
                if str(key) == second:
                    cells[key] = None
    return cells


@dataclass(frozen=True)
class Steps:
    people: int  # people with a step recorded by the convenor in the period
    moved: int  # of them, assessed at two meetings or more
    suppressed: bool  # fewer than MIN_CELL people: nothing below is shown
    mean_first: float | None = None
    mean_latest: float | None = None
    share_top_latest: float | None = None  # latest step 4-6, of all people
    first: dict[int, int | None] = field(default_factory=dict)  # step -> people
    latest: dict[int, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcomes:
    asked: int
    answered: int
    suppressed: bool  # fewer than MIN_CELL answers: no category is shown
    categories: dict[OutcomeCategory, int | None] = field(default_factory=dict)
    share_work_or_studies: float | None = None
    national_work_or_studies: float = ladder.NATIONAL_WORK_OR_STUDIES / 100


@dataclass(frozen=True)
class Figures:
    start: date
    end: date
    steps: Steps
    outcomes: Outcomes


def _bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time(), tz),
        datetime.combine(end + timedelta(days=1), time(), tz),
    )


MAX_LISTED_IDS = 5000  # above this, a subquery (SQLite's limit on bound values is near)


def _ids_or_subquery(ids: list[int], meetings: QuerySet[Meeting]) -> list[int] | Subquery:
    """The scope's meetings as a list of ids when it is a team's few thousand: PostgreSQL
    then walks the child rows by their meeting index, where with a subquery it hashed the
    whole child table (a 100k-meeting database took 4x the time of a 1k one)."""
    return ids if len(ids) <= MAX_LISTED_IDS else Subquery(meetings.values("id"))


async def step_figures(scope: Scope, start: date, end: date, tz: ZoneInfo) -> Steps:
    low, high = _bounds(start, end, tz)
    # The scope's meetings of the period first (by team and day, on their indexes), then
    # their steps by meeting id: the work follows the team's size, not everyone's.
    meetings = scope.meetings().filter(starts_at__gte=low, starts_at__lt=high)
    when = dict(await meetings.values_list("id", "starts_at"))
    found = await StepAssessment.filter(
        meeting_id__in=_ids_or_subquery(list(when), meetings),
        assessed_by=StepAssessor.CONVENOR,
        step__isnull=False,
        person_id__isnull=False,
    ).values_list("person_id", "step", "meeting_id")
    rows = [(p, s) for p, s, _m in sorted(found, key=lambda r: (when[r[2]], r[2]))]
    first: dict[int, int] = {}
    latest: dict[int, int] = {}
    seen: dict[int, int] = {}
    for person_id, step in rows:
        first.setdefault(person_id, step)
        latest[person_id] = step
        seen[person_id] = seen.get(person_id, 0) + 1
    people = len(first)
    moved = sum(1 for n in seen.values() if n > 1)
    if people < MIN_CELL:
        return Steps(people=people, moved=moved, suppressed=True)
    top = sum(1 for step in latest.values() if step in ladder.TOP_STEPS)
    return Steps(
        people=people,
        moved=moved,
        suppressed=False,
        mean_first=round(sum(first.values()) / people, 1),
        mean_latest=round(sum(latest.values()) / people, 1),
        share_top_latest=top / people if shown(top) is not None else None,
        first=protected({s: list(first.values()).count(s) for s in ladder.STEPS}),
        latest=protected({s: list(latest.values()).count(s) for s in ladder.STEPS}),
    )


async def outcome_figures(scope: Scope, start: date, end: date, tz: ZoneInfo) -> Outcomes:
    """The outcome questions asked in the period, and what the answers were."""
    low, high = _bounds(start, end, tz)
    scoped = {}
    if scope.where():
        ids = await scope.meetings().values_list("id", flat=True)
        scoped = {"meeting_id__in": _ids_or_subquery(list(ids), scope.meetings())}
    rows = await OutcomeAnswer.filter(asked_at__gte=low, asked_at__lt=high, **scoped).values_list(
        "status", "category"
    )
    asked = len(rows)
    answers = [c for status, c in rows if status == SurveyStatus.ANSWERED and c is not None]
    answered = len(answers)
    if answered < MIN_CELL:
        return Outcomes(asked=asked, answered=answered, suppressed=True)
    counts = {c: sum(1 for a in answers if a == c) for c in ladder.CATEGORIES}
    good = sum(counts[c] for c in ladder.WORK_OR_STUDIES)
    return Outcomes(
        asked=asked,
        answered=answered,
        suppressed=False,
        categories=protected(counts, total_shown=shown(answered) is not None),
        share_work_or_studies=good / answered if shown(good) is not None else None,
    )


async def figures(scope: Scope, start: date, end: date, tz: ZoneInfo) -> Figures:
    return Figures(
        start=start,
        end=end,
        steps=await step_figures(scope, start, end, tz),
        outcomes=await outcome_figures(scope, start, end, tz),
    )


def as_json(found: Figures) -> dict:
    """The API's answer: aggregates only, hidden cells as null."""
    steps, outcomes = found.steps, found.outcomes
    return {
        "from": found.start.isoformat(),
        "to": found.end.isoformat(),
        "min_cell": MIN_CELL,
        "steps": {
            "people": steps.people if not steps.suppressed else None,
            "assessed_more_than_once": shown(steps.moved) if not steps.suppressed else None,
            "suppressed": steps.suppressed,
            "mean_first": steps.mean_first,
            "mean_latest": steps.mean_latest,
            "share_in_steps_4_to_6": steps.share_top_latest,
            "first": {str(s): n for s, n in steps.first.items()},
            "latest": {str(s): n for s, n in steps.latest.items()},
        },
        "outcomes": {
            "asked": shown(outcomes.asked),
            "answered": shown(outcomes.answered),
            "suppressed": outcomes.suppressed,
            "categories": {c.value: n for c, n in outcomes.categories.items()},
            "share_work_or_studies": outcomes.share_work_or_studies,
            "national_share_work_or_studies": outcomes.national_work_or_studies,
        },
    }


def csv_rows(found: Figures) -> list[tuple[str, str, object]]:
    """(measure, step or category, value): the page's figures, hidden cells left empty."""
    data = as_json(found)
    steps, outcomes = data["steps"], data["outcomes"]
    rows: list[tuple[str, str, object]] = [
        ("period_from", "", data["from"]),
        ("period_to", "", data["to"]),
        ("people_with_a_step", "", steps["people"]),
        ("mean_step_first_meeting", "", steps["mean_first"]),
        ("mean_step_latest_meeting", "", steps["mean_latest"]),
        ("share_in_steps_4_to_6", "", steps["share_in_steps_4_to_6"]),
    ]
    rows += [("people_first_meeting", s, n) for s, n in steps["first"].items()]
    rows += [("people_latest_meeting", s, n) for s, n in steps["latest"].items()]
    rows += [
        ("outcome_questions_asked", "", outcomes["asked"]),
        ("outcome_questions_answered", "", outcomes["answered"]),
    ]
    rows += [("outcome_answers", c, n) for c, n in outcomes["categories"].items()]
    rows += [
        ("share_work_or_studies", "", outcomes["share_work_or_studies"]),
        ("national_share_work_or_studies", "", outcomes["national_share_work_or_studies"]),
    ]
    return rows
