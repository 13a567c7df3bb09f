from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_meeting_indexes_on_sqlite')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TelegramUpdate',
            fields=[
                ('update_id', fields.BigIntField(primary_key=True, generated=False, unique=True, db_index=True)),
                ('received_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'telegramupdate', 'app': 'models', 'pk_attr': 'update_id', 'table_description': 'A Telegram update taken by a webhook: Telegram sends one again when an answer did'},
            bases=['Model'],
        ),
    ]
