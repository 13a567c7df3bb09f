from tortoise import migrations
from tortoise.migrations import operations as ops
from storage.models import ConsentKind, OutcomeCategory, StepAssessor, SurveyStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_inbound_queue')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OutcomeAnswer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('meeting', fields.ForeignKeyField('models.Meeting', source_field='meeting_id', db_constraint=True, to_field='id', related_name='outcome_answers', on_delete=OnDelete.CASCADE)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', null=True, db_constraint=True, to_field='id', related_name='outcome_answers', on_delete=OnDelete.SET_NULL)),
                ('consent', fields.ForeignKeyField('models.Consent', source_field='consent_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('status', fields.CharEnumField(default=SurveyStatus.OPEN, description='OPEN: open\nANSWERED: answered\nEXPIRED: expired', enum_type=SurveyStatus, max_length=16)),
                ('category', fields.CharEnumField(null=True, description='WORK: work\nSTUDIES: studies\nTRAINING: training\nLOOKING: looking\nSICK_OR_BENEFIT: sick_or_benefit\nOTHER: other', enum_type=OutcomeCategory, max_length=24)),
                ('asked_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reprompted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('answered_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'outcomeanswer', 'app': 'models', 'unique_together': (('meeting', 'person'),), 'pk_attr': 'id', 'table_description': 'The outcome question to one person after their latest closed meeting, and the answer.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StepAssessment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('meeting', fields.ForeignKeyField('models.Meeting', source_field='meeting_id', db_constraint=True, to_field='id', related_name='step_assessments', on_delete=OnDelete.CASCADE)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', null=True, db_constraint=True, to_field='id', related_name='step_assessments', on_delete=OnDelete.SET_NULL)),
                ('assessed_by', fields.CharEnumField(description='CONVENOR: convenor\nPERSON: person', enum_type=StepAssessor, max_length=16)),
                ('step', fields.SmallIntField(null=True)),
                ('recorded_by', fields.ForeignKeyField('models.StaffUser', source_field='recorded_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'stepassessment', 'app': 'models', 'unique_together': (('meeting', 'assessed_by'),), 'indexes': [Index(fields=['person_id', 'recorded_at'])], 'pk_attr': 'id', 'table_description': "The person's step on the ladder at one meeting, by the convenor or by the person."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TeamLadderStep',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team', fields.ForeignKeyField('models.Team', source_field='team_id', db_constraint=True, to_field='id', related_name='ladder_steps', on_delete=OnDelete.CASCADE)),
                ('step', fields.SmallIntField()),
                ('name', fields.CharField(max_length=60)),
                ('renamed_by', fields.ForeignKeyField('models.StaffUser', source_field='renamed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'teamladderstep', 'app': 'models', 'unique_together': (('team', 'step'),), 'pk_attr': 'id', 'table_description': "A team's own name for one of the six steps (the number never changes)."},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Consent',
            name='kind',
            field=fields.CharEnumField(description='CONTACT_SMS: contact_sms\nCONTACT_TELEGRAM: contact_telegram\nSHARE_INFORMATION: share_information\nOUTCOME_QUESTION: outcome_question', enum_type=ConsentKind, max_length=24),
        ),
    ]
