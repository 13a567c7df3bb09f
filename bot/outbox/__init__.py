"""Sending what the outbox says is due: the dispatcher (claims, pacing, retries, records)
and the two senders (Telegram, Twilio) with their errors sorted into retry or give up.
The Telegram sender turns a row's buttons into the inline keyboard.

May import: storage, flows, bot.config, bot.logs, bot.sms, bot.telegram (callback data).
"""
