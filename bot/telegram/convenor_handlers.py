"""The convenor's flows in Telegram: commands, typed answers and button presses.

Routing only: `flows.meetings.convenor` decides, this module turns its replies into
Telegram messages (inline keyboards, edits of the pressed message).
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.telegram import callbacks
from bot.telegram.staff_commands import staff_only
from flows.core.clock import clock
from flows.core.conversation import conversation
from flows.core.dialog import Reply
from flows.core.flow_runner import Heard
from flows.core.i18n import _
from flows.meetings import convenor, notes_request
from storage.models import StaffUser

log = logging.getLogger(__name__)
TELEGRAM_TEXT_LIMIT = 4096
ASK_FOR_NOTES_EVERY = 60  # seconds


def _markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=callbacks.encode(b)) for b in row]
            for row in reply.buttons
        ]
    )


def _text(reply: Reply) -> str:
    if len(reply.text) <= TELEGRAM_TEXT_LIMIT:
        return reply.text
    return reply.text[: TELEGRAM_TEXT_LIMIT - 1] + "…"


async def show(update: Update, replies: list[Reply]) -> Message | None:
    """Sends the replies in order; an `edit` reply replaces the pressed message.
    Returns the last message sent (None: nothing new was sent)."""
    query, chat = update.callback_query, update.effective_chat
    assert chat is not None
    last = None
    for reply in replies:
        if reply.edit and query is not None and query.message is not None:
            try:
                await query.edit_message_text(_text(reply), reply_markup=_markup(reply))
                continue
            except BadRequest as error:  # unchanged, or too old to edit: send it anew
                if "not modified" in str(error).lower():
                    continue
        last = await chat.send_message(_text(reply), reply_markup=_markup(reply))
    return last


def heard(message: Message) -> Heard:
    return Heard(message.message_id, int(message.date.timestamp()))


async def show_asking(update: Update, staff: StaffUser, replies: list[Reply]) -> None:
    """Shows the replies and notes which message asks the open question, so a text
    typed before it was seen is told from an answer to it (flows.core.flow_runner)."""
    last = await show(update, replies)
    if last is not None:
        await convenor.asked(staff, heard(last))


def wake_dispatcher(context: ContextTypes.DEFAULT_TYPE) -> None:
    """A flow may have put messages in the outbox: send them now, not at the next poll."""
    services = context.application.bot_data.get("services")
    if services is not None and services.dispatcher is not None:
        services.dispatcher.wake()


def _command(flow_command):
    @staff_only
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE, staff: StaffUser) -> None:
        await show_asking(update, staff, await flow_command(staff))
        wake_dispatcher(context)

    return handler


@staff_only
async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, staff: StaffUser) -> None:
    message = update.effective_message
    replies = await convenor.on_text(staff, message.text or "", heard(message))
    await show_asking(update, staff, replies)
    wake_dispatcher(context)


@staff_only
async def on_not_text(update: Update, context: ContextTypes.DEFAULT_TYPE, staff: StaffUser) -> None:
    await update.effective_message.reply_text(_("I can only read text. Please write it."))


async def _pressed(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    staff: StaffUser,
    replies: list[Reply] | None,
) -> None:
    query = update.callback_query
    if replies is None:
        await query.answer(_("This button is out of date."))
        return
    await show_asking(update, staff, replies)
    wake_dispatcher(context)
    await query.answer()  # last: the spinner on the button ends when all is shown


@staff_only
async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE, staff: StaffUser) -> None:
    state = await conversation(staff)
    press = callbacks.current_press(state, update.callback_query.data or "")
    replies = None if press is None else await convenor.on_answer(staff, press)
    await _pressed(update, context, staff, replies)


@staff_only
async def on_meeting_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, staff: StaffUser
) -> None:
    press = callbacks.decode(update.callback_query.data or "")
    replies = None if press is None else await convenor.on_meeting_button(staff, press)
    await _pressed(update, context, staff, replies)


async def _ask_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Queues the requests for notes; they leave through the outbox (and wait there
    while Telegram does not answer)."""
    if await notes_request.queue_notes_requests(clock.now()):
        wake_dispatcher(context)


def add_convenor_handlers(application: Application) -> None:
    commands = {
        "new": convenor.new,
        "prep": convenor.prep,
        "run": convenor.run,
        "after": convenor.after,
        "meetings": convenor.meetings,
    }
    for name, flow_command in commands.items():
        application.add_handler(CommandHandler(name, _command(flow_command)))
    application.add_handler(
        CallbackQueryHandler(on_answer, pattern=callbacks.CONVERSATION_PATTERN + "a:")
    )
    application.add_handler(
        CallbackQueryHandler(on_meeting_button, pattern=callbacks.MEETING_PATTERN)
    )
    private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.COMMAND, on_not_text))


def add_convenor_jobs(application: Application) -> None:
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        _ask_job,
        interval=ASK_FOR_NOTES_EVERY,
        first=ASK_FOR_NOTES_EVERY,
        name="ask-for-notes",
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )
