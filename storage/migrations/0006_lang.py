from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

# Translated system text that /new used to store as the person in focus's "why", in each
# catalog's wording: it is worded at render time now, in the reader's language.
_STORED_SYSTEM_WHYS = ("Det är ditt möte.", "It is your meeting.", "إنه اجتماعك.")


class Migration(migrations.Migration):
    dependencies = [('models', '0005_info_tokens')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Meeting',
            name='language',
            field=fields.CharField(default='sv', db_default='sv', max_length=8),
        ),
        ops.AddField(
            model_name='Meeting',
            name='person_texts',
            field=fields.JSONField(null=True, default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        # Existing meetings were written in their convenor's language.
        ops.RunSQL(
            "UPDATE meeting SET language = (SELECT s.language FROM staffuser s"
            " WHERE s.id = meeting.convenor_id) WHERE convenor_id IS NOT NULL",
            reverse_sql=ops.RunSQL.noop,
        ),
        ops.RunSQL(
            "UPDATE attendee SET why = '' WHERE role = 'person_in_focus' AND why IN ("
            + ", ".join(f"'{text}'" for text in _STORED_SYSTEM_WHYS)
            + ")",
            reverse_sql=ops.RunSQL.noop,
        ),
    ]
