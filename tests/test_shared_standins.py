"""`flerpart standins`: one Telegram stand-in for several replicas hands each update to the
next registered replica, as a load balancer would, and skips one that is gone."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.local.standins_server import make_standins_app
from bot.local_mode import LOCAL_BOT_TOKEN


class Replica:
    """A replica's /telegram/webhook: records the update ids it was given."""

    def __init__(self, secret: str) -> None:
        self.secret, self.got = secret, []
        self.app = web.Application()
        self.app.router.add_post("/telegram/webhook", self.take)
        self.server = TestServer(self.app, host="127.0.0.1")

    async def take(self, request: web.Request) -> web.Response:
        assert request.headers["X-Telegram-Bot-Api-Secret-Token"] == self.secret
        self.got.append((await request.json())["update_id"])
        return web.Response(text="ok")

    @property
    def url(self) -> str:
        return str(self.server.make_url("/telegram/webhook"))


@pytest.fixture
async def standins() -> AsyncIterator[tuple[TestServer, aiohttp.ClientSession]]:
    server = TestServer(make_standins_app(), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession(base_url=str(server.make_url(""))) as http:
        yield server, http
    await server.close()


async def register(http: aiohttp.ClientSession, replica: Replica) -> None:
    body = {"url": replica.url, "secret_token": replica.secret}
    async with http.post(f"/_standin/telegram/bot{LOCAL_BOT_TOKEN}/setWebhook", json=body) as r:
        assert (await r.json())["ok"]


async def user_sends(http: aiohttp.ClientSession, text: str) -> int:
    async with http.post("/_standin/control/telegram/77/message", json={"text": text}) as r:
        assert r.status == 200, await r.text()
        return (await r.json())["update_id"]


async def test_updates_go_to_the_registered_replicas_in_turn_and_skip_a_dead_one(standins):
    _server, http = standins
    one, two = Replica("s1"), Replica("s2")
    for replica in (one, two):
        await replica.server.start_server()
        await register(http, replica)
    sent = [await user_sends(http, f"hej {n}") for n in range(4)]
    assert one.got == [sent[0], sent[2]] and two.got == [sent[1], sent[3]]

    await two.server.close()  # killed
    more = [await user_sends(http, f"igen {n}") for n in range(3)]
    assert one.got[2:] == more  # none lost: the dead one's turn went to the live one
    async with http.get("/_standin/control/telegram/webhooks") as r:
        assert await r.json() == [one.url]
    await one.server.close()


async def test_the_control_api_wants_json_and_a_loopback_host(standins):
    _server, http = standins
    async with http.post("/_standin/control/telegram/77/message", data="text=hej") as r:
        assert r.status == 415
    headers = {"Host": "evil.example"}
    async with http.get("/_standin/control/sms/sent", headers=headers) as r:
        assert r.status == 403
