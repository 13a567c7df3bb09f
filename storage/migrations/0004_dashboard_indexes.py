from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_participant_telegram_link')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='ActionItem',
            index=Index(fields=['status', 'due']),
        ),
        ops.AddIndex(
            model_name='ActionItem',
            index=Index(fields=['meeting_id', 'due']),
        ),
        ops.AddIndex(
            model_name='Attendee',
            index=Index(fields=['meeting_id', 'role']),
        ),
        ops.AddIndex(
            model_name='Attendee',
            index=Index(fields=['person_id']),
        ),
        ops.AddIndex(
            model_name='InboundMessage',
            index=Index(fields=['meeting_id', 'received_at']),
        ),
        ops.AddIndex(
            model_name='Meeting',
            index=Index(fields=['team_id', 'starts_at']),
        ),
        ops.AddIndex(
            model_name='Meeting',
            index=Index(fields=['convenor_id', 'starts_at']),
        ),
        ops.AddIndex(
            model_name='Meeting',
            index=Index(fields=['feedback_given_at', 'feedback_due']),
        ),
        ops.AddIndex(
            model_name='Note',
            index=Index(fields=['meeting_id']),
        ),
        ops.AddIndex(
            model_name='OutboxMessage',
            index=Index(fields=['meeting_id', 'kind', 'status']),
        ),
        ops.AddIndex(
            model_name='Person',
            index=Index(fields=['opted_out_at']),
        ),
        ops.AddIndex(
            model_name='SurveyAnswer',
            index=Index(fields=['question', 'answered_at']),
        ),
    ]
