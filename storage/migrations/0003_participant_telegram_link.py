from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_convenor_flow')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Person',
            name='telegram_link_hash',
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
    ]
