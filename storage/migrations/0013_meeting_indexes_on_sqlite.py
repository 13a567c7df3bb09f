from tortoise import migrations
from tortoise.migrations import operations as ops

# SQLite drops a column by rebuilding the table, and Tortoise's rebuild in 0005 (dropping
# meeting.info_token) left `meeting` without its indexes: the dashboard and the attention
# query then scanned every team's meetings (21x slower at 100k than at 1k). PostgreSQL
# kept them; the same names make this a no-op there.
_INDEXES = (
    ("idx_meeting_starts__efcfd2", "starts_at"),
    ("idx_meeting_status_6e8ada", "status"),
    ("idx_meeting_closed__e9703f", "closed_at"),
    ("idx_meeting_team_id_57dec7", "team_id, starts_at"),
    ("idx_meeting_conveno_54d4d1", "convenor_id, starts_at"),
    ("idx_meeting_feedbac_63a8f7", "feedback_given_at, feedback_due"),
)


class Migration(migrations.Migration):
    dependencies = [('models', '0012_team_settings')]

    initial = False

    operations = [
        ops.RunSQL(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "meeting" ({columns})',
            reverse_sql=ops.RunSQL.noop,
        )
        for name, columns in _INDEXES
    ]
