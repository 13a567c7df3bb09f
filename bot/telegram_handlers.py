"""Telegram updates adapted to the flows: one small async function per command.

PTB handlers only route; who the user is and where they are in a flow come
from the database on every update.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.staff_commands import add_fallback_handlers, add_staff_handlers, unknown_user_text
from flows import onboarding
from flows.i18n import _, normalise_locale, use_locale
from flows.onboarding import StartOutcome

log = logging.getLogger(__name__)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    code = context.args[0] if context.args else None
    result = await onboarding.start(user.id, user.full_name, code, user.language_code)
    locale = result.staff.language if result.staff else normalise_locale(user.language_code)
    with use_locale(locale):
        if result.outcome is StartOutcome.JOINED:
            text = _(
                "Welcome, {name}. You can now prepare meetings here. Send /help to see how.",
                name=user.first_name,
            )
        elif result.outcome is StartOutcome.ALREADY_STAFF:
            text = _(
                "Hello again, {name}. Send /help to see what you can do.", name=user.first_name
            )
        elif result.outcome is StartOutcome.INVALID_CODE:
            text = _("This invitation link does not work any more. Ask for a new one.")
        else:
            text = unknown_user_text()
    await message.reply_text(text)


async def on_anything_else(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Unknown users get one polite sentence and nothing else."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    if await onboarding.is_staff(user.id):
        return  # later flows take staff messages; nothing to say here yet
    with use_locale(normalise_locale(user.language_code)):
        await message.reply_text(unknown_user_text())


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A bug must not leave the user waiting in silence; the details go to the log."""
    log.error("update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        user = update.effective_user
        with use_locale(normalise_locale(user.language_code if user else None)):
            await update.effective_message.reply_text(
                _("Sorry, something went wrong on our side. Please try again.")
            )


def add_handlers(application: Application) -> None:
    application.add_error_handler(on_error)
    application.add_handler(CommandHandler("start", on_start))
    add_staff_handlers(application)
    add_fallback_handlers(application)
    # Same group, added last: only runs when no handler above matched the update.
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED, on_anything_else)
    )
