"""Staff join by a one-time invitation: `flerpart invite` makes it, `/start <code>` uses it."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from tortoise.transactions import in_transaction

from flows.core.clock import clock
from flows.core.i18n import STAFF_LOCALES, normalise_locale
from flows.core.text_clean import clean
from storage.models import ActorKind, Invitation, Meeting, StaffRole, StaffUser, Team
from storage.record_models import AuditEvent

DEFAULT_VALIDITY = timedelta(days=7)


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


async def create_invitation(
    role: StaffRole, team_name: str, valid_for: timedelta = DEFAULT_VALIDITY
) -> tuple[str, Invitation]:
    """Returns the code (shown once, never stored) and the invitation."""
    team, _ = await Team.get_or_create(name=team_name.strip())
    code = secrets.token_urlsafe(18)  # 144 bits; fits Telegram's 64-char start parameter
    invitation = await Invitation.create(
        code_hash=hash_code(code), role=role, team=team, expires_at=clock.now() + valid_for
    )
    await AuditEvent.create(
        actor_kind=ActorKind.SYSTEM,
        action="create",
        object_type="invitation",
        object_id=str(invitation.id),
        detail={"role": role.value, "team": team.name},
    )
    return code, invitation


class StartOutcome(StrEnum):
    JOINED = "joined"
    ALREADY_STAFF = "already_staff"
    INVALID_CODE = "invalid_code"  # unknown, used or expired: the same answer for all
    UNKNOWN = "unknown"  # no code and not staff


@dataclass(frozen=True)
class StartResult:
    outcome: StartOutcome
    staff: StaffUser | None = None


async def start(
    telegram_user_id: int, display_name: str, code: str | None, language_code: str | None
) -> StartResult:
    staff = await StaffUser.get_or_none(telegram_user_id=telegram_user_id, active=True)
    if staff is not None:
        return StartResult(StartOutcome.ALREADY_STAFF, staff)
    if not code:
        return StartResult(StartOutcome.UNKNOWN)
    async with in_transaction():
        # Compare-and-set: of two presses of the same link only one wins.
        now = clock.now()
        invitation = await Invitation.get_or_none(
            code_hash=hash_code(code.strip()), used_at=None, expires_at__gt=now
        )
        if invitation is None:
            return StartResult(StartOutcome.INVALID_CODE)
        claimed = await Invitation.filter(id=invitation.id, used_at=None).update(used_at=now)
        if not claimed:
            return StartResult(StartOutcome.INVALID_CODE)
        staff = await StaffUser.create(
            telegram_user_id=telegram_user_id,
            display_name=" ".join(clean(display_name).split())[:120] or "?",
            role=invitation.role,
            team_id=invitation.team_id,
            language=normalise_locale(language_code, STAFF_LOCALES),
        )
        await Invitation.filter(id=invitation.id).update(used_by=staff)
        if invitation.role is StaffRole.CONVENOR:
            # The demo meeting waits for the first convenor of its demo team.
            await Meeting.filter(team_id=invitation.team_id, is_demo=True, convenor_id=None).update(
                convenor=staff
            )
        await AuditEvent.create(
            actor_kind=ActorKind.STAFF,
            actor=staff,
            action="join",
            object_type="invitation",
            object_id=str(invitation.id),
            detail={"role": invitation.role.value},
        )
    return StartResult(StartOutcome.JOINED, staff)


async def is_staff(telegram_user_id: int) -> bool:
    return await StaffUser.filter(telegram_user_id=telegram_user_id, active=True).exists()


async def staff_language(telegram_user_id: int) -> str:
    language = await StaffUser.filter(telegram_user_id=telegram_user_id, active=True).values_list(
        "language", flat=True
    )
    return language[0] if language else "sv"
