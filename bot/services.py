"""What the running process holds, shared by the web routes and the bot handlers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from aiohttp import web

from bot.config import Settings

if TYPE_CHECKING:
    from telegram.ext import Application
    from twilio.rest import Client

    from bot.local.standins.telegram_api import TelegramStandIn
    from bot.local.standins.twilio_api import TwilioStandIn
    from bot.outbox.dispatcher import Dispatcher
    from bot.sms.inbound_worker import InboundWorker


@dataclass
class Services:
    settings: Settings
    twilio_account_sid: str
    twilio_auth_token: str
    public_url: str = ""  # PUBLIC_BASE_URL, or http://host:port once bound
    telegram: Application | None = None
    twilio: Client | None = None
    telegram_standin: TelegramStandIn | None = None
    twilio_standin: TwilioStandIn | None = None
    dispatcher: Dispatcher | None = None
    inbound: InboundWorker | None = None  # stores inbound SMS, handles them after the answer
    retention_day: date | None = None  # the clock's day of the last retention run
    # Why Telegram cannot be used right now ("telegram unreachable"), None when it can:
    # /healthz reports it, and work that needs Telegram waits for it.
    telegram_problem: str | None = None
    sim_token: str = ""  # local mode: the per-run key /sim/api wants (the page carries it)
    sim_any_host: bool = False  # --allow-remote-sim: /sim may be reached by any Host name
    # Local mode with shared stand-ins (STANDINS_URL): the secret our /telegram/webhook
    # wants, given to the stand-in with setWebhook (production: TELEGRAM_WEBHOOK_SECRET).
    local_webhook_secret: str = ""


# Where the web app keeps the Services: every route module reads them through this key.
SERVICES = web.AppKey("services", Services)
