from datetime import timedelta

from flows.core.clock import Clock
from flows.staff import onboarding
from flows.staff.onboarding import StartOutcome, create_invitation
from storage.models import Invitation, StaffRole, StaffUser
from storage.record_models import AuditEvent


async def test_an_invitation_makes_a_staff_user_once(db):
    code, _ = await create_invitation(StaffRole.CONVENOR, "Team Norr")
    first = await onboarding.start(111, "Anna Andersson", code, "en-GB")
    assert first.outcome is StartOutcome.JOINED
    assert first.staff is not None
    assert (first.staff.role, first.staff.language) == (StaffRole.CONVENOR, "en")
    assert (await first.staff.team).name == "Team Norr"
    # The same code again, from someone else: refused.
    second = await onboarding.start(222, "Someone Else", code, "sv")
    assert second.outcome is StartOutcome.INVALID_CODE
    assert await StaffUser.filter(telegram_user_id=222).count() == 0
    assert await AuditEvent.filter(action="join").count() == 1


async def test_only_the_hash_of_the_code_is_stored(db):
    code, invitation = await create_invitation(StaffRole.ADMIN, "Team Syd")
    stored = await Invitation.get(id=invitation.id)
    assert code not in stored.code_hash
    assert stored.code_hash == onboarding.hash_code(code)


async def test_an_expired_invitation_is_refused(db, monkeypatch):
    code, _ = await create_invitation(StaffRole.CONVENOR, "Team", timedelta(days=7))
    later = Clock()
    later.advance(timedelta(days=7, seconds=1))
    monkeypatch.setattr(onboarding, "clock", later)
    result = await onboarding.start(333, "Late", code, "sv")
    assert result.outcome is StartOutcome.INVALID_CODE


async def test_unknown_user_without_code_stays_unknown(db):
    result = await onboarding.start(444, "Stranger", None, "sv")
    assert result.outcome is StartOutcome.UNKNOWN
    assert await StaffUser.all().count() == 0


async def test_a_known_staff_user_is_recognised(db):
    code, _ = await create_invitation(StaffRole.COORDINATOR, "Team")
    await onboarding.start(555, "Kim", code, "sv")
    again = await onboarding.start(555, "Kim", "whatever", "sv")
    assert again.outcome is StartOutcome.ALREADY_STAFF
