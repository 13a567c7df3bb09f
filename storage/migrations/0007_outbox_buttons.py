from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

# Outbox rows carry their inline buttons as data, so a message with buttons (the request
# for the notes after a meeting) leaves through the outbox like any other. Existing rows
# have none. `kind` keeps its column and values (storage.models.MessageKind names them).


class Migration(migrations.Migration):
    dependencies = [('models', '0006_lang')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OutboxMessage',
            name='buttons',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
