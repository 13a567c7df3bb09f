"""Coordinator dashboard: the meetings page and the attention query at 1k and 100k meetings.

The database grows the way it does in production, by teams: each team has about
1,000 meetings over two years, so 100k meetings are 100 teams, and the coordinator
measured sees one of them. Each size is seeded once (not timed) in a fresh SQLite
file or PostgreSQL database (`--db postgres`, FLERPART_BENCH_POSTGRES as for
bench.dispatch), its planner statistics refreshed as the daily upkeep does, then
both implementations run against it in the same process:

- ours: `flows.meetings.meeting_list.meeting_page` and `flows.followup.attention.attention`;
- naive: the same answers the obvious way, one query per meeting shown (N+1) for
  the page, and every meeting of the team loaded and judged in Python for attention.

Prints one JSON line per size and query, then the ratios 100k/1k (target: within 2x).

    .venv/bin/python -m bench.dashboard [--sizes 1000,100000] [--repeat 15] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tortoise import Tortoise

from bench.dispatch import fresh_database
from flows.followup.attention import attention
from flows.meetings.meeting_list import PAGE_SIZE, Filters, meeting_page
from flows.outcomes.figures import figures
from flows.staff.scope import Scope
from storage.db import apply_migrations, refresh_planner_statistics, tortoise_config
from storage.message_models import OutboxMessage, SurveyAnswer
from storage.models import (
    ActionItem,
    Attendee,
    AttendeeRole,
    ChecklistTick,
    Meeting,
    MeetingStatus,
    OutboxStatus,
    Person,
    StaffRole,
    StaffUser,
    Team,
)
from storage.record_models import OutcomeAnswer, StepAssessment

NOW = datetime(2027, 3, 9, 9, 30, tzinfo=UTC)
PER_TEAM = 1000
TZ = ZoneInfo("Europe/Stockholm")
BATCH = 2000


async def seed(total: int) -> int:
    """`total` meetings in teams of PER_TEAM; returns the measured team's id."""
    rng = random.Random(7)
    teams = [await Team.create(name=f"Team {i}") for i in range(max(total // PER_TEAM, 1))]
    convenors = [
        await StaffUser.create(
            telegram_user_id=10_000 + i,
            display_name=f"Convenor {i}",
            role=StaffRole.CONVENOR,
            team=team,
        )
        for i, team in enumerate(teams)
    ]
    for start in range(0, total, BATCH):
        count = min(BATCH, total - start)
        meetings = []
        for i in range(start, start + count):
            team = i % len(teams)
            starts_at = NOW + timedelta(hours=rng.randint(-24 * 700, 24 * 30))
            held = starts_at < NOW
            meetings.append(
                Meeting(
                    team_id=teams[team].id,
                    convenor_id=convenors[team].id,
                    timezone="Europe/Stockholm",
                    purpose="Plan",
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=1),
                    status=MeetingStatus.CLOSED if held else MeetingStatus.PLANNED,
                    info_sent_at=starts_at - timedelta(days=5),
                    feedback_due=(starts_at + timedelta(days=7)).date() if held else None,
                    feedback_given_at=starts_at + timedelta(days=3)
                    if held and rng.random() > 0.02
                    else None,
                    cautions_accepted=[],
                )
            )
        await Meeting.bulk_create(meetings)
        ids = await Meeting.filter().order_by("-id").limit(count).values_list("id", "team_id")
        people = [Person(team_id=team_id, first_name="P", phone=None) for _, team_id in ids]
        await Person.bulk_create(people)
        person_ids = await Person.filter().order_by("-id").limit(count).values_list("id", flat=True)
        pairs = list(zip([m for m, _ in ids], person_ids, strict=True))
        await Attendee.bulk_create(
            [
                Attendee(meeting_id=m, person_id=p, role=AttendeeRole.PERSON_IN_FOCUS)
                for m, p in pairs
            ]
        )
        status = [OutboxStatus.DELIVERED] * 49 + [OutboxStatus.FAILED]
        await OutboxMessage.bulk_create(
            [
                OutboxMessage(
                    meeting_id=m,
                    person_id=p,
                    channel="sms",
                    kind=kind,
                    template="x",
                    due_at=NOW,
                    next_attempt_at=NOW,
                    status=rng.choice(status),
                )
                for m, p in pairs
                for kind in ("info", "reminder", "survey")
            ]
        )
        await ChecklistTick.bulk_create(
            [
                ChecklistTick(meeting_id=m, checklist="preparation", item_key=key, state="done")
                for m, _ in pairs
                for key in ("purpose", "wishes", "consent")
            ]
        )
        await SurveyAnswer.bulk_create(
            [
                SurveyAnswer(
                    meeting_id=m,
                    person_id=p,
                    question=q,
                    status="answered",
                    value=rng.choice((0, 1, 1, 1)),
                    asked_at=NOW,
                    answered_at=NOW - timedelta(days=rng.randint(0, 700)),
                )
                for m, p in pairs[::3]
                for q in ("knew_why", "next_known")
            ]
        )
        await StepAssessment.bulk_create(
            [
                StepAssessment(
                    meeting_id=m,
                    person_id=p,
                    assessed_by="convenor",
                    step=rng.randint(1, 6),
                    recorded_at=NOW,
                )
                for m, p in pairs
            ]
        )
        await OutcomeAnswer.bulk_create(
            [
                OutcomeAnswer(
                    meeting_id=m,
                    person_id=p,
                    status="answered",
                    category=rng.choice(("work", "studies", "looking", "other")),
                    asked_at=NOW - timedelta(days=rng.randint(0, 700)),
                    expires_at=NOW,
                    answered_at=NOW,
                )
                for m, p in pairs[::4]
            ]
        )
        await ActionItem.bulk_create(
            [
                ActionItem(
                    meeting_id=m,
                    what="x",
                    due=(NOW - timedelta(days=rng.randint(-30, 700))).date(),
                    status="done" if rng.random() > 0.03 else "open",
                )
                for m, _ in pairs[::2]
            ]
        )
    return teams[0].id


async def naive_page(team_id: int) -> list[dict]:
    rows = []
    meetings = await Meeting.filter(team_id=team_id).order_by("-starts_at").limit(PAGE_SIZE)
    for m in meetings:  # one round of queries per meeting: the N+1 the page avoids
        rows.append(
            {
                "id": m.id,
                "ticks": await ChecklistTick.filter(meeting_id=m.id).count(),
                "info": await OutboxMessage.filter(meeting_id=m.id, kind="info").count(),
                "seats": await Attendee.filter(meeting_id=m.id).count(),
                "answers": await SurveyAnswer.filter(meeting_id=m.id).count(),
                "convenor": (await m.convenor).display_name if m.convenor_id else None,
            }
        )
    return rows


async def naive_attention(team_id: int) -> int:
    """Every meeting of the team loaded, then judged one by one."""
    today, found = NOW.date(), 0
    for m in await Meeting.filter(team_id=team_id):
        if m.feedback_due and m.feedback_given_at is None and m.feedback_due < today:
            found += 1
        if m.starts_at and m.starts_at > NOW:
            found += await OutboxMessage.filter(meeting_id=m.id, status="failed").count()
    return found


async def timed(work, repeat: int) -> float:
    await work()  # warm the caches
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


async def measure(kind: str, total: int, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        url = await asyncio.to_thread(fresh_database, kind, Path(folder))
        await apply_migrations(url)
        await Tortoise.init(config=tortoise_config(url))
        try:
            started = time.perf_counter()
            team_id = await seed(total)
            seeded = time.perf_counter() - started
            await refresh_planner_statistics()  # as the daily upkeep does in production
            scope = Scope(team_id=team_id)
            result = {
                "db": kind,
                "meetings": total,
                "seed_s": round(seeded, 1),
                "page_ms": await timed(lambda: meeting_page(scope, Filters(), TZ), repeat),
                "attention_ms": await timed(
                    lambda: attention(scope, NOW, NOW.date(), limit=10), repeat
                ),
                "outcomes_ms": await timed(
                    lambda: figures(scope, (NOW - timedelta(days=182)).date(), NOW.date(), TZ),
                    repeat,
                ),
                "naive_page_ms": await timed(lambda: naive_page(team_id), repeat),
                "naive_attention_ms": await timed(lambda: naive_attention(team_id), repeat),
            }
        finally:
            await Tortoise.close_connections()
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    results = [await measure(args.db, int(size), args.repeat) for size in args.sizes.split(",")]
    for result in results:
        print(json.dumps(result), flush=True)
    small, large = results[0], results[-1]
    ratios = {
        f"{key}_{large['meetings']}/{small['meetings']}": round(large[key] / small[key], 2)
        for key in ("page_ms", "attention_ms", "outcomes_ms", "naive_page_ms", "naive_attention_ms")
    }
    ratios.update(
        {
            f"naive/ours_page_at_{large['meetings']}": round(
                large["naive_page_ms"] / large["page_ms"], 1
            ),
            f"naive/ours_attention_at_{large['meetings']}": round(
                large["naive_attention_ms"] / large["attention_ms"], 1
            ),
        }
    )
    print(json.dumps(ratios), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
