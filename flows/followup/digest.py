"""The coordinators' daily digest: 08:00 in the team's time zone on working days, to each
coordinator whose team has something needing attention; nothing when all is well.

Queued in the outbox with a per-day dedupe key, so however often the job runs (and
however many processes run it) a coordinator gets at most one a day.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flows.core.i18n import _, use_locale
from flows.followup.attention import attention
from flows.followup.attention_text import summary
from flows.outbox import team_settings
from flows.outbox.schedule import is_working_day
from flows.staff.scope import for_staff
from storage.message_models import OutboxMessage
from storage.models import Channel, MessageKind, StaffRole, StaffUser

DIGEST_AT = time(8, 0)


def due_today(now: datetime, tz: ZoneInfo) -> bool:
    local = now.astimezone(tz)
    return is_working_day(local.date()) and local.time() >= DIGEST_AT


async def queue_digests(now: datetime, dashboard_url: str) -> int:
    """Queues today's digests not yet queued; returns how many it queued."""
    queued = 0
    coordinators = await StaffUser.filter(role=StaffRole.COORDINATOR, active=True).prefetch_related(
        "team"
    )
    for coordinator in coordinators:
        tz = team_settings.of(coordinator.team).tz
        if not due_today(now, tz):
            continue
        today = now.astimezone(tz).date()
        key = f"digest:{coordinator.id}:{today.isoformat()}"
        if await OutboxMessage.filter(dedupe_key=key).exists():
            continue
        found = await attention(for_staff(coordinator), now, today)
        if not found.total:
            continue
        with use_locale(coordinator.language):
            text = _("Good morning! Today's follow-up.") + "\n\n" + summary(found, dashboard_url)
        _row, created = await OutboxMessage.get_or_create(
            dedupe_key=key,
            defaults={
                "staff_user": coordinator,
                "channel": Channel.TELEGRAM,
                "kind": MessageKind.DIGEST,
                "template": "plain_text",
                "params": {"text": text},
                "locale": coordinator.language,
                "due_at": now,
                "next_attempt_at": now,
            },
        )
        queued += int(created)
    return queued
