"""Fixed identities of the built-in stand-ins, used when no credentials are set."""

LOCAL_BOT_TOKEN = "1000000001:LOCAL-stand-in-token"
LOCAL_BOT_USERNAME = "flerpart_local_bot"
LOCAL_TWILIO_SID = "AC" + "0" * 32
LOCAL_TWILIO_NUMBER = "+46700000000"
TELEGRAM_STANDIN_PATH = "/_standin/telegram"
TWILIO_STANDIN_PATH = "/_standin/twilio"
# Shared stand-ins (`flerpart standins`): every replica must speak to Twilio's stand-in with
# the same account and check its signatures with the same secret. Loopback and local only.
LOCAL_TWILIO_AUTH_TOKEN = "local-stand-in-auth-token-0000000"
STANDIN_CONTROL_PATH = "/_standin/control"
