"""What is sent and received: the outbox, inbound messages and survey answers."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from storage.models import (
    Channel,
    Meeting,
    OutboxStatus,
    Person,
    StaffUser,
    SurveyStatus,
    TimestampedModel,
)


class OutboxMessage(TimestampedModel):
    """A message to send. The database, not the scheduler, is the truth.

    See `OutboxStatus` for the state machine. `template` and `params` are
    rendered at dispatch time, so an edit to the meeting is never stale.
    `body` keeps what actually went out. `dedupe_key` makes scheduling the same
    reminder twice a no-op.
    """

    id = fields.BigIntField(primary_key=True)
    meeting: fields.ForeignKeyNullableRelation[Meeting] = fields.ForeignKeyField(
        "models.Meeting", related_name="outbox", null=True, on_delete=fields.CASCADE
    )
    person: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="outbox", null=True, on_delete=fields.CASCADE
    )
    staff_user: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name="outbox", null=True, on_delete=fields.CASCADE
    )
    channel = fields.CharEnumField(Channel, max_length=16)
    kind = fields.CharField(max_length=40)  # a MessageKind
    template = fields.CharField(max_length=80)
    params: dict = fields.JSONField(default=dict)
    # Inline buttons (Telegram only), as data: rows of {"label": msgid, "action", "args",
    # "meeting_id"}; labels are translated and callbacks encoded when it is sent.
    buttons: list | None = fields.JSONField(null=True)
    locale = fields.CharField(max_length=8, default="sv")
    body = fields.TextField(null=True)
    due_at = fields.DatetimeField()
    # Latest moment worth sending (e.g. the meeting start); past it -> expired.
    expires_at = fields.DatetimeField(null=True)
    status = fields.CharEnumField(OutboxStatus, max_length=16, default=OutboxStatus.SCHEDULED)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_by = fields.CharField(max_length=64, null=True)  # dispatcher id while sending
    claimed_at = fields.DatetimeField(null=True)
    provider_message_id = fields.CharField(max_length=64, null=True, db_index=True)
    parts = fields.IntField(null=True)  # SMS segments
    last_error = fields.TextField(null=True)
    error_code = fields.CharField(max_length=16, null=True)
    sent_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    dedupe_key = fields.CharField(max_length=120, unique=True, null=True)

    class Meta:
        # Serves the dispatcher's claim (status, channel, due, ordered by id) from the
        # index alone: with many rows due at the same moment a shorter index would
        # sort them all on every claim.
        indexes = (
            ("status", "channel", "next_attempt_at", "id"),
            ("meeting_id", "kind", "status"),  # the dashboard: a meeting's messages by kind
        )


class InboundMessage(Model):
    """Every inbound SMS or participant Telegram message, once per provider id."""

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharEnumField(Channel, max_length=16)
    provider_message_id = fields.CharField(max_length=64, unique=True)  # MessageSid
    person: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="inbound", null=True, on_delete=fields.SET_NULL
    )
    meeting: fields.ForeignKeyNullableRelation[Meeting] = fields.ForeignKeyField(
        "models.Meeting", related_name="inbound", null=True, on_delete=fields.SET_NULL
    )
    sender_masked = fields.CharField(max_length=32, default="")  # unknown senders: masked only
    body = fields.TextField(default="")  # empty for unknown senders
    handled_as = fields.CharField(max_length=24, default="")  # keyword, survey, forwarded...
    received_at = fields.DatetimeField(auto_now_add=True)
    # Stored before the webhook answers, handled after it: set in the one transaction
    # that also holds what the message did (the reply, its outbox rows, the alerts).
    # Unknown senders have nothing to do: set when stored.
    processed_at = fields.DatetimeField(null=True)

    class Meta:
        indexes = (
            ("meeting_id", "received_at"),  # a meeting's timeline
            ("processed_at", "id"),  # the queue: what is not handled yet, oldest first
        )


class SurveyAnswer(Model):
    id = fields.IntField(primary_key=True)
    meeting: fields.ForeignKeyRelation[Meeting] = fields.ForeignKeyField(
        "models.Meeting", related_name="survey_answers", on_delete=fields.CASCADE
    )
    person: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="survey_answers", null=True, on_delete=fields.SET_NULL
    )
    question = fields.CharField(max_length=40)
    status = fields.CharEnumField(SurveyStatus, max_length=16, default=SurveyStatus.OPEN)
    value = fields.IntField(null=True)  # scales and yes(1)/no(0); kept on anonymisation
    text = fields.TextField(null=True)  # free text; removed on anonymisation
    asked_at = fields.DatetimeField()
    reprompted_at = fields.DatetimeField(null=True)
    answered_at = fields.DatetimeField(null=True)

    class Meta:
        unique_together = (("meeting", "person", "question"),)
        # The dashboard: answers to one question over a period (survey charts, "don't know").
        indexes = (("question", "answered_at"),)
