"""Who may open what, route by route and role by role, enforced on the server.

Admin: everything. Coordinator: their team. Convenor: their own meetings, no audit
log. Nobody logged in: a 401 page everywhere. Someone else's meeting: a 404 that looks
like a missing one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.process import FlerpartProcess
from tests.conftest import local_process
from tests.dashboard_seed import World, logged_in, seed

PAGES = (
    "/dashboard",
    "/dashboard/meetings",
    "/dashboard/survey",
    "/dashboard/export/meetings.csv",
    "/dashboard/export/answers.csv",
    "/dashboard/outcomes",
    "/dashboard/export/outcomes.csv",
)


@pytest.fixture
async def process(tmp_path, database_env) -> AsyncIterator[FlerpartProcess]:
    async with local_process(tmp_path, **database_env) as running:
        yield running


def meeting_rules(world: World) -> dict[str, dict[int, int]]:
    """Expected status of each meeting's page, per viewer."""
    own = {world.upcoming.id: 200, world.held.id: 200}
    return {
        "karin": {**own, world.other.id: 404, world.south.id: 404},
        "cora": {**own, world.other.id: 200, world.south.id: 404},
        "syd": {**{m: 404 for m in own}, world.other.id: 404, world.south.id: 200},
        "ada": {**own, world.other.id: 200, world.south.id: 200},
    }


async def test_every_route_for_every_role(process):
    world = await seed()
    meetings = meeting_rules(world)
    async with aiohttp.ClientSession(base_url=process.local_url) as anonymous:
        for path in (*PAGES, "/dashboard/audit", f"/dashboard/meetings/{world.upcoming.id}"):
            async with anonymous.get(path, allow_redirects=False) as response:
                assert response.status == 401, path
    viewers = {"karin": world.karin, "cora": world.cora, "syd": world.syd, "ada": world.ada}
    for name, staff in viewers.items():
        async with await logged_in(process, staff) as http:
            for path in PAGES:
                async with http.get(path) as response:
                    assert response.status == 200, (name, path)
            async with http.get("/dashboard/audit") as response:
                assert response.status == (403 if name == "karin" else 200), name
            for meeting_id, status in meetings[name].items():
                async with http.get(f"/dashboard/meetings/{meeting_id}") as response:
                    assert response.status == status, (name, meeting_id)
            # Lists and exports hold only what the viewer may see.
            async with http.get("/dashboard/export/meetings.csv") as response:
                rows = (await response.text()).splitlines()[1:]
            listed = {int(row.split(",")[0]) for row in rows}
            allowed = {m for m, status in meetings[name].items() if status == 200}
            assert listed == allowed, name
