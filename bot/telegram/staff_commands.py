"""Staff commands that need no meeting: /help, /language, /cancel, and the menus.

One small async function per command; the wording is in the catalogs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.telegram import callbacks
from flows.core import conversation as conversation_flow
from flows.core.i18n import DEFAULT, STAFF_LOCALES, _, normalise_locale, use_locale
from flows.core.labels import LANGUAGE_NAMES
from flows.staff import staff as staff_flow
from storage.models import StaffUser

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]
StaffHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, StaffUser], Awaitable[None]]


def command_menu() -> list[BotCommand]:
    return [
        BotCommand("new", _("Prepare a new meeting")),
        BotCommand("prep", _("Go on with the preparation")),
        BotCommand("run", _("The checklist during the meeting")),
        BotCommand("after", _("Notes and follow-up after the meeting")),
        BotCommand("meetings", _("Your meetings")),
        BotCommand("dashboard", _("A login link to the follow-up dashboard")),
        BotCommand("status", _("What needs attention in your team")),
        BotCommand("help", _("How this bot works")),
        BotCommand("language", _("Change language")),
        BotCommand("cancel", _("Stop what you are doing")),
    ]


async def set_command_menus(application: Application) -> None:
    """The menu in each language; users whose Telegram is in another get the default."""
    for locale in STAFF_LOCALES:
        with use_locale(locale):
            await application.bot.set_my_commands(command_menu(), language_code=locale)
    with use_locale(DEFAULT):
        await application.bot.set_my_commands(command_menu())


def unknown_user_text() -> str:
    return _("Sorry, this bot is only for invited staff.")


def staff_only(handler: StaffHandler) -> Handler:
    """Unknown users get the one polite sentence; staff get the handler in their language."""

    async def checked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if user is None:
            return
        staff = await conversation_flow.staff_user(user.id)
        if staff is None:
            if update.callback_query is not None:
                await update.callback_query.answer()
            if update.effective_message is not None:
                with use_locale(normalise_locale(user.language_code)):
                    await update.effective_message.reply_text(unknown_user_text())
            return
        with use_locale(staff.language):
            await handler(update, context, staff)

    return checked


@staff_only
async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE, staff: StaffUser) -> None:
    await update.effective_message.reply_text(
        _(
            "This bot helps you prepare, run and follow up multi-party meetings around "
            "one person, with the MötesFokus checklists.\n\n"
            "/new: prepare a meeting. I ask one thing at a time: purpose, time, place, "
            "the person and who else comes. Then the preparation checklist.\n"
            "/prep: go on where you left off.\n"
            "/meetings: your meetings. Tap one for its card: edit, preview what the "
            "person gets, send the information, cancel.\n"
            "/run: the checklist during the meeting. Tap a number to tick it.\n"
            "/after: how it went, decisions, action plan, who gets back to the person. "
            "I also ask by myself when a meeting has ended."
        )
    )
    await update.effective_message.reply_text(
        _(
            "Good to know:\n"
            "• The person gets short messages in plain words, by SMS or Telegram.\n"
            '• Write the purpose and each "why I am there" as you would say it to them.\n'
            "• No health or case details in anything the person gets.\n\n"
            "/dashboard: a login link to the follow-up dashboard\n"
            "/status: what needs attention in your team (coordinators)\n"
            "/language: change the language of the bot\n"
            "/cancel: stop what you are doing\n"
            "/help: this text"
        )
    )


@staff_only
async def on_language(update: Update, context: ContextTypes.DEFAULT_TYPE, staff: StaffUser) -> None:
    state = await conversation_flow.conversation(staff)
    buttons = [
        [
            InlineKeyboardButton(
                LANGUAGE_NAMES[code],
                callback_data=callbacks.conversation_callback(state.version, "lang", code),
            )
        ]
        for code in STAFF_LOCALES
    ]
    await update.effective_message.reply_text(
        _("Which language should I use?"), reply_markup=InlineKeyboardMarkup(buttons)
    )


@staff_only
async def on_language_chosen(
    update: Update, context: ContextTypes.DEFAULT_TYPE, staff: StaffUser
) -> None:
    query = update.callback_query
    state = await conversation_flow.conversation(staff)
    pressed = callbacks.read_button(state, query.data or "")
    if (
        pressed is None
        or pressed[0] != "lang"
        or not await staff_flow.set_language(staff, pressed[1][0] if pressed[1] else "")
    ):
        await query.answer(_("This button is out of date."))
        return
    await conversation_flow.bump(state)  # the language buttons are used up
    with use_locale(staff.language):
        await query.answer()
        await query.edit_message_text(_("I will write in English from now on."))


@staff_only
async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE, staff: StaffUser) -> None:
    if await staff_flow.cancel(staff):
        await update.effective_message.reply_text(_("Stopped. Nothing more was saved."))
    else:
        await update.effective_message.reply_text(_("There was nothing to stop."))


@staff_only
async def on_unknown_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, staff: StaffUser
) -> None:
    """A press no handler above took: an old message's button. Say so, change nothing."""
    await update.callback_query.answer(_("This button is out of date."))


def add_staff_handlers(application: Application) -> None:
    application.add_handler(CommandHandler("help", on_help))
    application.add_handler(CommandHandler("language", on_language))
    application.add_handler(CommandHandler("cancel", on_cancel))
    application.add_handler(
        CallbackQueryHandler(on_language_chosen, pattern=callbacks.CONVERSATION_PATTERN + "lang:")
    )


def add_fallback_handlers(application: Application) -> None:
    """Last in the group: only what no other handler matched reaches these."""
    application.add_handler(CallbackQueryHandler(on_unknown_button))
