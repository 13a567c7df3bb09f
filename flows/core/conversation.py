"""A staff user's conversation: its state row, and buttons that carry its version.

Buttons carry the conversation's version: a press on a message from before the
last change is recognised as out of date instead of acting on stale state.
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


def button(state: ConversationState, action: str, *args: str) -> str:
    """Callback data 'v<version>:<action>:<args>' (Telegram allows 64 bytes)."""
    data = ":".join((f"v{state.version}", action, *args))
    if len(data.encode()) > 64:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def meeting_button(meeting_id: int, action: str, *args: str) -> str:
    """Callback data 'm<meeting>:<action>:<args>' for a meeting's own buttons (card,
    checklists). These carry no conversation version: they stay usable while the
    convenor is elsewhere in the chat; the meeting's owner and state are checked
    on every press instead."""
    data = ":".join((f"m{meeting_id}", action, *args))
    if len(data.encode()) > 64:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def read_meeting_button(data: str) -> tuple[int, str, list[str]] | None:
    head, _, rest = data.partition(":")
    if not head.startswith("m") or not head[1:].isdigit() or not rest:
        return None
    action, *args = rest.split(":")
    return int(head[1:]), action, args


def read_button(state: ConversationState, data: str) -> tuple[str, list[str]] | None:
    """(action, args) for a current button; None for an old or forged one."""
    version, _, rest = data.partition(":")
    if version != f"v{state.version}" or not rest:
        return None
    action, *args = rest.split(":")
    return action, args
