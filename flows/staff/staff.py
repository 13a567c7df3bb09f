"""What staff users can do outside a meeting: language, leaving a conversation."""

from __future__ import annotations

from tortoise.expressions import F

from flows.core.conversation import conversation
from flows.core.i18n import STAFF_LOCALES
from storage.models import ConversationState, StaffUser


async def set_language(staff: StaffUser, locale: str) -> bool:
    if locale not in STAFF_LOCALES:
        return False
    staff.language = locale
    await staff.save(update_fields=["language", "updated_at"])
    return True


async def cancel(staff: StaffUser) -> bool:
    """Leaves whatever flow the user was in; True when there was one."""
    state = await conversation(staff)
    was_in_flow = state.flow is not None
    await ConversationState.filter(id=state.id).update(
        flow=None, step=None, draft={}, meeting_id=None, version=F("version") + 1
    )
    return was_in_flow
