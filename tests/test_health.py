from aiohttp.test_utils import TestClient, TestServer
from tortoise.context import TortoiseContext

from bot.config import load_settings
from bot.services import Services
from bot.web.app import make_web_app
from storage.db import tortoise_config


async def test_health_is_503_when_the_database_does_not_answer():
    settings = load_settings(environ={}, dotenv=None)
    app = make_web_app(Services(settings, "AC0", "token", public_url="http://127.0.0.1"))
    async with TortoiseContext() as ctx:
        # Connections are opened lazily: nothing listens on port 1.
        await ctx.init(config=tortoise_config("postgres://postgres@127.0.0.1:1/none"))
        async with TestClient(TestServer(app)) as client:
            response = await client.get("/healthz")
            assert response.status == 503
            assert (await response.json())["status"] != "ok"
