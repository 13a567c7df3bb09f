"""Real replica processes for end-to-end tests: `flerpart standins` and several
`python -m bot run` on one database, and a convenor typing and tapping through the shared
Telegram stand-in's control API (/_standin/control, see bot/local/standins_server.py).

Each replica has its own clock: `move_clocks` moves every one through its own /sim/api.
A step of the convenor waits for the bot's answer in the stand-in's transcript and then
for the chat to be still, since the next update may reach another replica.
"""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bot.local_mode import STANDIN_CONTROL_PATH
from tests.test_cli import clean_env

ROOT = Path(__file__).resolve().parent.parent
_TOKEN = re.compile(r'<div id="sim"[^>]* data-token="([^"]*)"')
STEP_TIMEOUT = 20.0
STILL_FOR = 0.4  # seconds without a change in the chat: the step is done


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path
    url: str = ""
    sim_token: str = ""

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None


def _start(name: str, args: list[str], env: dict[str, str], cwd: Path) -> Proc:
    log = cwd / f"{name}.log"
    with log.open("w") as handle:  # the child keeps its own copy
        popen = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            env=clean_env(env),
            cwd=cwd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Proc(name, popen, log)


async def _url_from_log(proc: Proc, pattern: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, proc.log.read_text())
        if found:
            return found.group(1)
        if not proc.alive:
            break
        await asyncio.sleep(0.1)
    raise AssertionError(f"{proc.name} did not start: {proc.log.read_text()[-3000:]}")


@dataclass
class Cluster:
    """One `flerpart standins` process and its replicas, all on one database."""

    tmp: Path
    database_url: str
    http: aiohttp.ClientSession
    standins: Proc | None = None
    replicas: list[Proc] = field(default_factory=list)

    async def start(self, replicas: int, **env: str) -> None:
        self.standins = _start("standins", ["standins", "--port", "0"], {}, self.tmp)
        self.standins.url = await _url_from_log(self.standins, r"on (http://127\.0\.0\.1:\d+)")
        env = {"DATABASE_URL": self.database_url, "STANDINS_URL": self.standins.url, **env}
        env["PORT"] = "0"
        # Started together, as in a rolling deploy: the migrations run once, under a lock.
        self.replicas = [
            _start(f"replica{n}", ["run", "--no-demo"], env, self.tmp) for n in range(replicas)
        ]
        for proc in self.replicas:
            proc.url = await _url_from_log(proc, r"(http://127\.0\.0\.1:\d+)/sim")
            async with self.http.get(proc.url + "/sim") as response:
                proc.sim_token = _TOKEN.search(await response.text()).group(1)
        await self._all_registered()

    async def _all_registered(self) -> None:
        wanted = {p.url + "/telegram/webhook" for p in self.replicas if p.alive}
        deadline = time.monotonic() + 30
        while set(await self.control("GET", "/telegram/webhooks")) != wanted:
            assert time.monotonic() < deadline, "the replicas did not register their webhooks"
            await asyncio.sleep(0.1)

    @property
    def alive(self) -> list[Proc]:
        return [p for p in self.replicas if p.alive]

    def kill(self, proc: Proc) -> None:
        proc.popen.send_signal(signal.SIGKILL)
        proc.popen.wait(10)

    async def stop(self) -> None:
        for proc in [*self.replicas, self.standins]:
            if proc is not None and proc.alive:
                proc.popen.send_signal(signal.SIGTERM)
        for proc in [*self.replicas, self.standins]:
            if proc is not None:
                try:
                    await asyncio.to_thread(proc.popen.wait, 30)
                except subprocess.TimeoutExpired:
                    proc.popen.kill()

    async def control(self, method: str, path: str, body: dict | None = None) -> object:
        assert self.standins is not None
        url = self.standins.url + STANDIN_CONTROL_PATH + path
        async with self.http.request(method, url, json=body) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def sim(self, proc: Proc, path: str, body: dict | None = None) -> object:
        headers = {"X-Sim-Token": proc.sim_token}
        method = "GET" if body is None else "POST"
        url = proc.url + "/sim/api" + path
        async with self.http.request(method, url, json=body, headers=headers) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def move_clocks(self, body: dict, order: list[Proc] | None = None) -> None:
        """Every live replica's clock, one after the other (`order`: who moves first)."""
        for proc in order or self.alive:
            await self.sim(proc, "/clock", body)

    async def sms(self, proc: Proc, phone: str, text: str, wait: float = 20.0) -> str:
        """An SMS to our number, posted by Twilio's stand-in to this replica; its answer.

        The answer to a known person leaves through the outbox after the 200 (issue 14),
        from whichever replica's dispatcher claims it: wait for it in the transcript."""
        before = await self.control("GET", f"/sms/{phone}/transcript")
        reply = await self.control(
            "POST", f"/sms/{phone}/message", {"text": text, "replica": proc.url}
        )
        assert reply == {"webhook_status": 200}, reply
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            after = await self.control("GET", f"/sms/{phone}/transcript")
            answers = [e["text"] for e in after[len(before) :] if e["direction"] == "out"]
            if answers or asyncio.get_running_loop().time() > deadline:
                return "\n".join(answers)
            await asyncio.sleep(0.2)

    async def sent_sms(self) -> list[dict]:
        return await self.control("GET", "/sms/sent")  # type: ignore[return-value]


@dataclass
class RemoteChat:
    """A Telegram user of the shared stand-in; each update goes to the next replica."""

    cluster: Cluster
    user_id: int
    language_code: str = "en"

    async def transcript(self) -> list[dict]:
        return await self.cluster.control("GET", f"/telegram/{self.user_id}/transcript")  # type: ignore[return-value]

    async def bot_messages(self) -> list[dict]:
        return [e for e in await self.transcript() if e["from"] == "bot"]

    async def _still(self, ready) -> list[dict]:
        """Waits until `ready(transcript)` and then until the chat stops changing."""
        deadline = time.monotonic() + STEP_TIMEOUT
        last, since = None, time.monotonic()
        while True:
            now = await self.transcript()
            if now != last:
                last, since = now, time.monotonic()
            elif ready(now) and time.monotonic() - since >= STILL_FOR:
                return now
            if time.monotonic() > deadline:
                tail = [e["text"][:120] for e in now[-4:]]
                raise AssertionError(f"chat {self.user_id}: step not done; it ends: {tail}")
            await asyncio.sleep(0.05)

    async def send(self, text: str, expect: str) -> list[dict]:
        mark = len(await self.transcript())
        body = {"text": text, "language_code": self.language_code, "first_name": "Karin"}
        await self.cluster.control("POST", f"/telegram/{self.user_id}/message", body)

        def ready(now: list[dict]) -> bool:
            return any(expect in e["text"] for e in now[mark:] if e["from"] == "bot")

        now = await self._still(ready)
        return [e for e in now[mark:] if e["from"] == "bot"]

    async def tap(self, label: str) -> None:
        message, button = self.find_button(await self.bot_messages(), label)
        answered = len(await self.cluster.control("GET", "/telegram/callbacks"))
        body = {"message_id": message["message_id"], "data": button["data"]}
        await self.cluster.control("POST", f"/telegram/{self.user_id}/press", body)
        deadline = time.monotonic() + STEP_TIMEOUT
        while len(await self.cluster.control("GET", "/telegram/callbacks")) <= answered:
            assert time.monotonic() < deadline, f"the press of {label!r} was not answered"
            await asyncio.sleep(0.05)
        await self._still(lambda now: True)

    @staticmethod
    def find_button(messages: list[dict], label: str) -> tuple[dict, dict]:
        for message in reversed(messages):
            for row in message["buttons"]:
                for button in row:
                    if label in button["text"]:
                        return message, button
        raise AssertionError(f"no button {label!r} in {[m['text'][:80] for m in messages[-3:]]}")

    async def wait_for(self, words: str) -> str:
        now = await self._still(
            lambda now: any(e["from"] == "bot" and words in e["text"] for e in now[-3:])
        )
        return [e for e in now if e["from"] == "bot"][-1]["text"]

    async def texts(self) -> str:
        return "\n---\n".join(m["text"] for m in await self.bot_messages())
