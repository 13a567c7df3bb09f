"""The audit log on the dashboard: coordinators and admins read it, convenors do not,
a coordinator sees only their team's, and nothing in the product can change it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.process import FlerpartProcess
from storage.models import ActorKind
from storage.record_models import AuditEvent
from tests.conftest import local_process
from tests.dashboard_seed import logged_in, seed


@pytest.fixture
async def process(tmp_path, database_env) -> AsyncIterator[FlerpartProcess]:
    async with local_process(tmp_path, **database_env) as running:
        yield running


async def test_the_audit_log_is_read_by_coordinators_and_admins_only(process):
    world = await seed()
    async with await logged_in(process, world.karin) as karin:
        async with karin.get(f"/dashboard/meetings/{world.upcoming.id}?lang=en") as response:
            assert response.status == 200
        async with karin.get("/dashboard/audit?lang=en") as response:
            assert response.status == 403
    await AuditEvent.create(
        actor_kind=ActorKind.SYSTEM, action="erase", object_type="person", object_id="999999"
    )
    await AuditEvent.create(
        actor_kind=ActorKind.STAFF,
        actor=world.syd,
        action="view",
        object_type="meeting",
        object_id=str(world.south.id),
    )
    async with await logged_in(process, world.cora) as cora:
        async with cora.get("/dashboard/audit?lang=en") as response:
            assert response.status == 200
            page = await response.text()
    # Karin's view of her team's meeting is there; the other team's is not.
    assert f"<td>Karin Berg</td><td>view</td><td>meeting {world.upcoming.id}</td>" in page
    assert f"meeting {world.south.id}" not in page and "999999" not in page
    async with await logged_in(process, world.ada) as ada:
        async with ada.get("/dashboard/audit?lang=en") as response:
            page = await response.text()
    assert f"meeting {world.south.id}" in page and "person 999999" in page
    # Reading it is itself recorded; no route writes or deletes events.
    assert await AuditEvent.exists(actor=world.ada, object_type="audit_log")
    for method in ("POST", "PUT", "DELETE"):
        async with await logged_in(process, world.ada) as ada:
            async with ada.request(method, "/dashboard/audit") as response:
                assert response.status in (403, 405)
