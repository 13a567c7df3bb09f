"""Fixed identities of the built-in stand-ins, used when no credentials are set."""

LOCAL_BOT_TOKEN = "1000000001:LOCAL-stand-in-token"
LOCAL_BOT_USERNAME = "flerpart_local_bot"
LOCAL_TWILIO_SID = "AC" + "0" * 32
LOCAL_TWILIO_NUMBER = "+46700000000"
TELEGRAM_STANDIN_PATH = "/_standin/telegram"
TWILIO_STANDIN_PATH = "/_standin/twilio"
