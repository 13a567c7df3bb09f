"""Telegram for the coordinator view: /dashboard (a login link), /status (attention
counts and top items) and the daily digest job."""

from __future__ import annotations

from telegram import LinkPreviewOptions, Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.telegram.convenor_handlers import wake_dispatcher
from bot.telegram.staff_commands import staff_only
from flows.core.clock import clock
from flows.core.i18n import _
from flows.followup import digest
from flows.followup.attention import attention
from flows.followup.attention_text import summary
from flows.outbox import team_settings
from flows.staff import scope, web_auth
from storage.models import StaffRole, StaffUser

DIGEST_CHECK_EVERY = 60  # seconds; the outbox's dedupe key makes it once a day
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # a preview fetch must not spend the link


def _base_url(context: ContextTypes.DEFAULT_TYPE) -> str:
    services = context.application.bot_data.get("services")
    return services.public_url if services is not None else ""


@staff_only
async def on_dashboard(
    update: Update, context: ContextTypes.DEFAULT_TYPE, staff: StaffUser
) -> None:
    token = await web_auth.create_login_link(staff, clock.now())
    url = f"{_base_url(context)}/dashboard/login/{token}"
    await update.effective_message.reply_text(
        _("Your login link to the dashboard (works once, for 10 minutes):\n{url}", url=url),
        link_preview_options=NO_PREVIEW,
    )


@staff_only
async def on_status(update: Update, context: ContextTypes.DEFAULT_TYPE, staff: StaffUser) -> None:
    if staff.role is StaffRole.CONVENOR:
        await update.effective_message.reply_text(
            _("/status is for coordinators. Send /meetings to see your meetings.")
        )
        return
    now = clock.now()
    tz = (await team_settings.for_team(staff.team_id)).tz
    found = await attention(scope.for_staff(staff), now, now.astimezone(tz).date())
    await update.effective_message.reply_text(
        summary(found, f"{_base_url(context)}/dashboard"), link_preview_options=NO_PREVIEW
    )


async def _digest_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    services = context.application.bot_data["services"]
    queued = await digest.queue_digests(clock.now(), f"{services.public_url}/dashboard")
    if queued:
        wake_dispatcher(context)


def add_coordinator_handlers(application: Application) -> None:
    application.add_handler(CommandHandler("dashboard", on_dashboard))
    application.add_handler(CommandHandler("status", on_status))
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _digest_job,
            interval=DIGEST_CHECK_EVERY,
            first=DIGEST_CHECK_EVERY,
            name="coordinator-digest",
            job_kwargs={"misfire_grace_time": None, "coalesce": True},
        )
