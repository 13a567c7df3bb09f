from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('models', '0007_outbox_buttons')]

    initial = False

    operations = [
        ops.AddField(
            model_name='InboundMessage',
            name='processed_at',
            field=fields.DatetimeField(null=True),
        ),
        # Everything received so far was handled inline, before this queue existed.
        ops.RunSQL(
            "UPDATE inboundmessage SET processed_at = received_at",
            reverse_sql=ops.RunSQL.noop,
        ),
        ops.AddIndex(
            model_name='InboundMessage',
            index=Index(fields=['processed_at', 'id']),
        ),
    ]
