"""Telegram's callback data: the flows' abstract buttons encoded in 64 bytes, and back.

Two kinds, told apart by the first letter:

- `v<version>:<action>:<args>`: a button of the staff user's conversation, shown at
  that version of their `ConversationState`. Once the conversation moves on it is
  out of date, so a replayed or old press changes nothing.
- `m<meeting>:<action>:<args>`: a meeting's own button (card, checklists). No
  version: it stays usable while the convenor is elsewhere in the chat; the flows
  check the meeting's owner and state on every press.

The flows never see this format: they describe a button as a `Press` and receive
a decoded `Press` (or None for stale or forged data).
"""

from __future__ import annotations

import re

from flows.core.dialog import Button, Press
from storage.models import ConversationState

LIMIT = 64  # bytes Telegram allows in callback data
CONVERSATION_PATTERN = r"^v\d+:"
MEETING_PATTERN = r"^m\d+:"
HEAD = re.compile(r"[vm](0|[1-9][0-9]*)")  # ASCII digits, no leading zero


def _join(head: str, action: str, args: tuple[str, ...] | list[str]) -> str:
    data = ":".join((head, action, *args))
    if len(data.encode()) > LIMIT:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def conversation_callback(version: int, action: str, *args: str) -> str:
    """Callback data for a button of the conversation at `version`."""
    return _join(f"v{version}", action, args)


def meeting_callback(meeting_id: int, action: str, *args: str) -> str:
    """Callback data for a meeting's own button ('card', 'tick', 'after', ...): what
    the outbox and anything else outside a conversation put under a message."""
    return _join(f"m{meeting_id}", action, args)


def encode(button: Button) -> str:
    press = button.press
    if press.meeting_id is not None:
        return meeting_callback(press.meeting_id, press.action, *press.args)
    if press.version is None:
        raise ValueError(f"a button belongs to a conversation version or a meeting: {button}")
    return conversation_callback(press.version, press.action, *press.args)


def decode(data: str) -> Press | None:
    """The press as written; None when it is not ours or malformed. No version check."""
    head, _, rest = data.partition(":")
    if not HEAD.fullmatch(head) or not rest:
        return None
    action, *args = rest.split(":")
    number = int(head[1:])
    if head[0] == "m":
        return Press(action, tuple(args), meeting_id=number)
    return Press(action, tuple(args), version=number)


def current_press(state: ConversationState, data: str) -> Press | None:
    """A conversation button's press while it is current; None for an old or forged one."""
    press = decode(data)
    if press is None or press.version is None or press.version != state.version:
        return None
    return press


def read_button(state: ConversationState, data: str) -> tuple[str, list[str]] | None:
    """(action, args) of a current conversation button; None for an old or forged one."""
    press = current_press(state, data)
    return (press.action, list(press.args)) if press else None


def read_meeting_button(data: str) -> tuple[int, str, list[str]] | None:
    """(meeting id, action, args) of a meeting's button; None when malformed."""
    press = decode(data)
    if press is None or press.meeting_id is None:
        return None
    return press.meeting_id, press.action, list(press.args)
