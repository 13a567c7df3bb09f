"""Telegram updates adapted to the flows: one small async function per command.

PTB handlers only route; who the user is and where they are in a flow come
from the database on every update.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.telegram.convenor_handlers import add_convenor_handlers, wake_dispatcher
from bot.telegram.coordinator_handlers import add_coordinator_handlers
from bot.telegram.staff_commands import add_fallback_handlers, add_staff_handlers, unknown_user_text
from flows.core.clock import clock
from flows.core.i18n import _, normalise_locale, use_locale
from flows.participants import inbound, participant_link
from flows.staff import onboarding
from flows.staff.onboarding import StartOutcome

log = logging.getLogger(__name__)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    code = context.args[0] if context.args else None
    if code and participant_link.is_person_code(code):
        person = await participant_link.link(code, user.id, clock.now())
        if person is not None:
            with use_locale(person.language):
                await message.reply_text(
                    _(
                        "Hi {name}! From now on you get the messages about your meeting here. "
                        "You can answer here too.",
                        name=person.first_name,
                    )
                )
            return
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
        staff = await onboarding.staff_language(user.id)
        with use_locale(staff):
            await message.reply_text(_("I do not know that command. Send /help to see them all."))
        return
    with use_locale(normalise_locale(user.language_code)):
        await message.reply_text(unknown_user_text())


async def on_participant_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A linked participant writes: the same handling as an SMS reply. Runs before the
    staff handlers (group -1) and stops them; anyone else goes on to those."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    person = await participant_link.person_for_chat(user.id)
    if person is None or await onboarding.is_staff(user.id):
        return
    if not message.text:
        with use_locale(person.language):
            await message.reply_text(_("Please write your answer as text."))
        raise ApplicationHandlerStop
    key = f"tg:{message.chat_id}:{message.message_id}"
    receipt = await inbound.handle_telegram(person, key, message.text)
    wake_dispatcher(context)  # news for the convenor goes now, not at the next tick
    if receipt:
        await message.reply_text(receipt)
    raise ApplicationHandlerStop


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
    participant = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED & ~filters.COMMAND
    application.add_handler(MessageHandler(participant, on_participant_message), group=-1)
    add_staff_handlers(application)
    add_convenor_handlers(application)
    add_coordinator_handlers(application)
    add_fallback_handlers(application)
    # Same group, added last: only runs when no handler above matched the update.
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED, on_anything_else)
    )
