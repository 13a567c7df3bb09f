"""The Telegram adapter: python-telegram-bot handlers, one small async function per command,
state or button, handing each update to the flows and turning their replies into messages.

May import: storage, flows, bot.config, bot.logs, bot.local_mode, bot.services.
"""
