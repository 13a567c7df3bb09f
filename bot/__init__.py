import os

# Opt in to python-telegram-bot's coming behaviour (time spans as timedelta)
# rather than depend on the deprecated one.
os.environ.setdefault("PTB_TIMEDELTA", "1")
