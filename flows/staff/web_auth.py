"""Dashboard login without passwords: a one-time link from the bot opens a session.

Only hashes of the link and session tokens are stored. A link lives 10 minutes and
works once; a session ends after 8 hours without a request.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from flows.staff.onboarding import hash_code
from storage.models import ActorKind, StaffUser
from storage.record_models import AuditEvent, LoginLink, WebSession

LINK_VALIDITY = timedelta(minutes=10)
IDLE_LIMIT = timedelta(hours=8)
# Writing last_seen_at on every request would make each page view a write.
TOUCH_EVERY = timedelta(minutes=1)


async def create_login_link(staff: StaffUser, now: datetime) -> str:
    """The token for /dashboard/login/<token>, shown once."""
    token = secrets.token_urlsafe(24)
    await LoginLink.create(
        token_hash=hash_code(token), staff_user=staff, expires_at=now + LINK_VALIDITY
    )
    return token


async def link_is_usable(token: str, now: datetime) -> bool:
    return await LoginLink.filter(
        token_hash=hash_code(token), used_at=None, expires_at__gt=now
    ).exists()


async def redeem(token: str, now: datetime) -> tuple[str, WebSession] | None:
    """Uses the link (once: of two presses one wins) and opens a session.
    Returns the session token for the cookie, shown only here."""
    async with in_transaction():
        link = await LoginLink.get_or_none(
            token_hash=hash_code(token), used_at=None, expires_at__gt=now
        ).prefetch_related("staff_user")
        if link is None or not link.staff_user.active:
            return None
        if not await LoginLink.filter(id=link.id, used_at=None).update(used_at=now):
            return None
        session_token = secrets.token_urlsafe(32)
        session = await WebSession.create(
            token_hash=hash_code(session_token),
            staff_user=link.staff_user,
            csrf_token=secrets.token_urlsafe(32),
            last_seen_at=now,
        )
        await AuditEvent.create(
            actor_kind=ActorKind.STAFF,
            actor=link.staff_user,
            action="login",
            object_type="web_session",
            object_id=str(session.id),
        )
    return session_token, session


async def session_for(token: str, now: datetime) -> WebSession | None:
    """The live session of an active staff user (staff_user loaded), kept alive."""
    if not token:
        return None
    session = await WebSession.get_or_none(token_hash=hash_code(token)).prefetch_related(
        "staff_user"
    )
    if session is None or not session.staff_user.active:
        return None
    if now - session.last_seen_at > IDLE_LIMIT:
        await session.delete()
        return None
    if now - session.last_seen_at > TOUCH_EVERY:
        session.last_seen_at = now
        await WebSession.filter(id=session.id).update(last_seen_at=now)
    return session


async def end_session(session: WebSession) -> None:
    await WebSession.filter(id=session.id).delete()


def csrf_matches(session: WebSession, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(session.csrf_token.encode(), given.encode())


# Login itself has no session yet, so its form is bound to a pre-session value: a random
# value the browser holds as a cookie and the form repeats (double submit). Another site
# can neither read nor set that cookie, so it cannot log a browser in as someone else.
LOGIN_NONCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_login_nonce() -> str:
    return secrets.token_urlsafe(32)  # 43 characters


def login_nonce_matches(cookie: str | None, given: object) -> bool:
    if not isinstance(cookie, str) or not isinstance(given, str):
        return False
    if not LOGIN_NONCE_PATTERN.fullmatch(cookie):
        return False
    return hmac.compare_digest(cookie.encode(), given.encode())
