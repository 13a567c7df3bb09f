"""A staff user's conversation: its state row and its version.

Buttons carry the conversation's version (see flows.core.dialog.Press): a press on a
message from before the last change is recognised as out of date instead of acting
on stale state. The channel encodes them (bot/telegram/callbacks.py).
"""

from __future__ import annotations

from tortoise.expressions import F

from storage.models import ConversationState, StaffUser


async def staff_user(telegram_user_id: int) -> StaffUser | None:
    return await StaffUser.get_or_none(telegram_user_id=telegram_user_id, active=True)


async def conversation(staff: StaffUser) -> ConversationState:
    state, _ = await ConversationState.get_or_create(staff_user=staff)
    return state


async def bump(state: ConversationState) -> int:
    """A change that makes earlier buttons stale; returns the new version."""
    await ConversationState.filter(id=state.id).update(version=F("version") + 1)
    await state.refresh_from_db(fields=["version"])
    return state.version
