from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields


async def keep_the_teams_reminders(apps, schema_editor):
    """The reminders a team set in its old settings bag move to their own column."""
    Team = apps.get_model("models", "Team")
    for team in await Team.all():
        reminders = (team.settings or {}).get("reminders")
        if reminders:
            team.reminders = reminders
            await team.save(update_fields=["reminders"])


async def back_into_the_bag(apps, schema_editor):
    Team = apps.get_model("models", "Team")
    for team in await Team.filter(reminders__isnull=False):
        team.settings = {"reminders": team.reminders}
        await team.save(update_fields=["settings"])


class Migration(migrations.Migration):
    dependencies = [('models', '0011_duty_runs')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Team',
            name='quiet_from',
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name='Team',
            name='quiet_until',
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name='Team',
            name='reminders',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Team',
            name='timezone',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.RunPython(keep_the_teams_reminders, reverse_code=back_into_the_bag),
        ops.RemoveField(model_name='Team', name='settings'),
    ]
