"""Local mode only: the Telegram and Twilio stand-ins speaking their HTTP APIs, the simulator
page and its JSON API. A configured server never mounts any of it (bot.config decides).

May import: storage, flows, bot.config, bot.logs, bot.local_mode, bot.services, bot.sms,
bot.web, bot.periodic.
"""
