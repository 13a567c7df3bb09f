"""The one aiohttp server: health probe, Telegram and Twilio webhooks, the participant's
information page, the coordinators' dashboard and the JSON API (with its OpenAPI document),
and what every response shares (input reading, security headers, templates).

May import: storage, flows, bot.config, bot.logs, bot.services, bot.sms.
"""
