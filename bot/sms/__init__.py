"""The SMS side: our async Twilio client (the official library with a working timeout).

May import: storage, flows, bot.config, bot.logs.
"""
