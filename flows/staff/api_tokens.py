"""Tokens for the JSON API, one team each. Only the hash is stored; the token is
printed once by `flerpart token create`."""

from __future__ import annotations

import secrets

from flows.staff.onboarding import hash_code
from storage.models import ActorKind, Team
from storage.record_models import ApiToken, AuditEvent

PREFIX = "flp_"  # recognisable in a leaked config file or a secret scanner


class UnknownTeam(LookupError):
    pass


async def create_token(team_name: str, label: str = "") -> tuple[str, ApiToken]:
    team = await Team.get_or_none(name=team_name.strip())
    if team is None:
        raise UnknownTeam(f"no team named {team_name.strip()!r}")
    token = PREFIX + secrets.token_urlsafe(32)
    row = await ApiToken.create(token_hash=hash_code(token), team=team, label=label[:80])
    await AuditEvent.create(
        actor_kind=ActorKind.SYSTEM,
        action="create",
        object_type="api_token",
        object_id=str(row.id),
        detail={"team": team.name},
    )
    return token, row


async def team_for(token: str) -> ApiToken | None:
    """The live token row (its team_id is the scope), or None."""
    if not token.startswith(PREFIX):
        return None
    return await ApiToken.get_or_none(token_hash=hash_code(token), revoked_at=None)
