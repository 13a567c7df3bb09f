from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0010_outcomes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DutyRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('duty', fields.CharField(max_length=40)),
                ('period', fields.CharField(max_length=40)),
                ('owner', fields.CharField(max_length=120)),
                ('claimed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'duty_run', 'app': 'models', 'unique_together': (('duty', 'period'),), 'pk_attr': 'id', 'table_description': 'A periodic duty done for one period (retention for 2026-12-02): the unique pair'},
            bases=['Model'],
        ),
    ]
