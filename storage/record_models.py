"""The records around meetings: the audit log, logins and API tokens, the team's ladder
names, step assessments and outcome answers, and duties done once per period."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from storage.models import (
    ActorKind,
    Consent,
    Meeting,
    OutcomeCategory,
    Person,
    StaffUser,
    StepAssessor,
    SurveyStatus,
    Team,
)


class AuditEvent(Model):
    """Append-only: who viewed or changed what. Nothing in the product edits it."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    actor_kind = fields.CharEnumField(ActorKind, max_length=16)
    actor: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=40)  # view, create, update, export, erase...
    object_type = fields.CharField(max_length=40)
    object_id = fields.CharField(max_length=40, null=True)
    detail: dict = fields.JSONField(default=dict)


class LoginLink(Model):
    """One-time dashboard login link (hash only)."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    staff_user: fields.ForeignKeyRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, on_delete=fields.CASCADE
    )
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)


class WebSession(Model):
    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    staff_user: fields.ForeignKeyRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, on_delete=fields.CASCADE
    )
    csrf_token = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()


class ApiToken(Model):
    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="api_tokens", on_delete=fields.CASCADE
    )
    label = fields.CharField(max_length=80, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)


class TeamLadderStep(Model):
    """A team's own name for one of the six steps (the number never changes)."""

    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="ladder_steps", on_delete=fields.CASCADE
    )
    step = fields.SmallIntField()  # 1-6
    name = fields.CharField(max_length=60)
    renamed_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        unique_together = (("team", "step"),)


class StepAssessment(Model):
    """The person's step on the ladder at one meeting, by the convenor or by the person.
    `step` None: asked, and "not assessed". Kept on anonymisation (a number, no words)."""

    id = fields.IntField(primary_key=True)
    meeting: fields.ForeignKeyRelation[Meeting] = fields.ForeignKeyField(
        "models.Meeting", related_name="step_assessments", on_delete=fields.CASCADE
    )
    person: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="step_assessments", null=True, on_delete=fields.SET_NULL
    )
    assessed_by = fields.CharEnumField(StepAssessor, max_length=16)
    step = fields.SmallIntField(null=True)  # 1-6; None = not assessed
    recorded_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    recorded_at = fields.DatetimeField()

    class Meta:
        unique_together = (("meeting", "assessed_by"),)
        indexes = (("person_id", "recorded_at"),)  # a person's steps over time


class OutcomeAnswer(Model):
    """The outcome question to one person after their latest closed meeting, and the answer.
    The category stays on anonymisation; the link to the person goes with erasure."""

    id = fields.IntField(primary_key=True)
    meeting: fields.ForeignKeyRelation[Meeting] = fields.ForeignKeyField(
        "models.Meeting", related_name="outcome_answers", on_delete=fields.CASCADE
    )
    person: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="outcome_answers", null=True, on_delete=fields.SET_NULL
    )
    consent: fields.ForeignKeyNullableRelation[Consent] = fields.ForeignKeyField(
        "models.Consent", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    status = fields.CharEnumField(SurveyStatus, max_length=16, default=SurveyStatus.OPEN)
    category = fields.CharEnumField(OutcomeCategory, max_length=24, null=True)
    asked_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    reprompted_at = fields.DatetimeField(null=True)
    answered_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        unique_together = (("meeting", "person"),)


class DutyRun(Model):
    """A periodic duty done for one period (retention for 2026-12-02): the unique pair
    makes it happen once, however many replicas run the job at the same moment."""

    id = fields.IntField(primary_key=True)
    duty = fields.CharField(max_length=40)
    period = fields.CharField(max_length=40)
    owner = fields.CharField(max_length=120)  # host:pid of the replica that took it
    claimed_at = fields.DatetimeField()

    class Meta:
        table = "duty_run"
        unique_together = (("duty", "period"),)


class TelegramUpdate(Model):
    """A Telegram update taken by a webhook: Telegram sends one again when an answer did
    not reach it, maybe to another replica; the id makes the second a no-op. Kept a
    week (the upkeep forgets older ones; Telegram gives up after a day)."""

    update_id = fields.BigIntField(primary_key=True, generated=False)
    received_at = fields.DatetimeField(db_index=True)
