"""The whole domain as Tortoise models.

Times are aware datetimes stored in UTC (`use_tz`); each meeting keeps its own
time zone name for showing local time. Personal data sits in few places
(`Person`, free text on meetings, notes, answers) so that retention and erasure
can find it; counts and statuses live beside it and survive anonymisation.

Three modules, one Tortoise app ("models"): the meeting and its people here, what is
sent and received in `storage.message_models`, the records around them (audit, logins,
tokens, outcomes, duties) in `storage.record_models`; the words in `storage.vocabulary`.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from storage.vocabulary import (
    CALLED_OFF,
    HELD,
    UPCOMING,
    ActionStatus,
    ActorKind,
    Agency,
    AttendeeResponse,
    AttendeeRole,
    Channel,
    Checklist,
    ConsentKind,
    MeetingKind,
    MeetingStatus,
    MessageKind,
    NoteKind,
    OutboxStatus,
    OutcomeCategory,
    StaffRole,
    StepAssessor,
    SurveyStatus,
    TickState,
)

__all__ = [
    "CALLED_OFF",
    "HELD",
    "UPCOMING",
    "ActionItem",
    "ActionStatus",
    "ActorKind",
    "Agency",
    "Attendee",
    "AttendeeResponse",
    "AttendeeRole",
    "Channel",
    "Checklist",
    "ChecklistTick",
    "Consent",
    "ConsentKind",
    "ConversationState",
    "InfoLink",
    "Invitation",
    "Meeting",
    "MeetingKind",
    "MeetingStatus",
    "MessageKind",
    "Note",
    "NoteKind",
    "OutboxStatus",
    "OutcomeCategory",
    "Person",
    "StaffRole",
    "StaffUser",
    "StepAssessor",
    "SurveyStatus",
    "Team",
    "TickState",
    "TimestampedModel",
]


class TimestampedModel(Model):
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True


class Team(TimestampedModel):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=120, unique=True)
    # The team's own settings; empty means the default (flows.outbox.team_settings).
    timezone = fields.CharField(max_length=64, null=True)  # IANA name, e.g. Europe/Helsinki
    quiet_from = fields.SmallIntField(null=True)  # no SMS from this hour (local) ...
    quiet_until = fields.SmallIntField(null=True)  # ... until this hour
    # [{"key": "r1d", "anchor": "start", "offset_minutes": -1440, "delivery_hour": 9}]
    reminders: list | None = fields.JSONField(null=True)
    is_demo = fields.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name


class StaffUser(TimestampedModel):
    id = fields.IntField(primary_key=True)
    telegram_user_id = fields.BigIntField(unique=True)
    display_name = fields.CharField(max_length=120)
    role = fields.CharEnumField(StaffRole, max_length=16)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="staff", on_delete=fields.RESTRICT
    )
    language = fields.CharField(max_length=8, default="sv")
    active = fields.BooleanField(default=True)


class Invitation(TimestampedModel):
    """A one-time code for `/start <code>`. Only its hash is stored."""

    id = fields.IntField(primary_key=True)
    code_hash = fields.CharField(max_length=64, unique=True)
    role = fields.CharEnumField(StaffRole, max_length=16)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="invitations", on_delete=fields.CASCADE
    )
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    used_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )


class ConversationState(Model):
    """Where a staff user is in a flow, read on every update so restarts and
    several processes agree (PTB keeps ConversationHandler state in memory)."""

    id = fields.IntField(primary_key=True)
    staff_user: fields.OneToOneRelation[StaffUser] = fields.OneToOneField(
        "models.StaffUser", related_name="conversation", on_delete=fields.CASCADE
    )
    flow = fields.CharField(max_length=40, null=True)
    step = fields.CharField(max_length=60, null=True)
    draft: dict = fields.JSONField(default=dict)
    meeting: fields.ForeignKeyNullableRelation[Meeting] = fields.ForeignKeyField(
        "models.Meeting", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # Bumped on every change; buttons carry it so a stale button is recognised.
    version = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)


class Person(TimestampedModel):
    """Someone we contact: the person in focus, a relative, agency staff by SMS."""

    id = fields.IntField(primary_key=True)
    first_name = fields.CharField(max_length=80)
    phone = fields.CharField(max_length=20, null=True, db_index=True)  # E.164
    telegram_chat_id = fields.BigIntField(null=True, db_index=True)
    telegram_unreachable_at = fields.DatetimeField(null=True)  # bot blocked (403)
    # sha256 of the one-time code in the t.me link that ties this person to their chat.
    telegram_link_hash = fields.CharField(max_length=64, null=True, unique=True)
    language = fields.CharField(max_length=8, default="sv")
    preferred_channel = fields.CharEnumField(Channel, max_length=16, default=Channel.SMS)
    opted_out_at = fields.DatetimeField(null=True)  # set = no contact at all
    anonymised_at = fields.DatetimeField(null=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="people", on_delete=fields.RESTRICT
    )

    class Meta:
        indexes = (("opted_out_at",),)  # the dashboard: who opted out

    @property
    def opted_out(self) -> bool:
        return self.opted_out_at is not None


class Consent(Model):
    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="consents", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(ConsentKind, max_length=24)
    given_to = fields.CharField(max_length=120, default="")  # agency or team
    recorded_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    given_at = fields.DatetimeField()
    withdrawn_at = fields.DatetimeField(null=True)
    withdrawn_via = fields.CharField(max_length=40, null=True)  # "sms:STOPP", "staff:12"


class Meeting(TimestampedModel):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="meetings", on_delete=fields.RESTRICT
    )
    # Empty for a meeting created through the API or the demo until a convenor takes it.
    convenor: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name="meetings", null=True, on_delete=fields.RESTRICT
    )
    purpose = fields.TextField(default="")
    # The language the convenor writes the purpose, decisions and "why"s in.
    language = fields.CharField(max_length=8, default="sv", db_default="sv")
    # The convenor's own words again, in a participant's language: {"purpose": {"en": ...},
    # "decisions": {"en": ...}}. A language missing here gets the original, marked as such.
    person_texts: dict | None = fields.JSONField(default=dict, null=True)
    kind = fields.CharEnumField(MeetingKind, max_length=24, default=MeetingKind.FIRST)
    starts_at = fields.DatetimeField(null=True, db_index=True)
    ends_at = fields.DatetimeField(null=True)
    timezone = fields.CharField(max_length=64)  # its team's when made (team_settings)
    place = fields.CharField(max_length=300, default="")  # room, address or video link
    status = fields.CharEnumField(
        MeetingStatus, max_length=16, default=MeetingStatus.DRAFT, db_index=True
    )
    info_sent_at = fields.DatetimeField(null=True)
    # Who gives feedback is a flag on Attendee (a foreign key here would be a cycle).
    feedback_due = fields.DateField(null=True)
    feedback_given_at = fields.DatetimeField(null=True)
    next_meeting_at = fields.DatetimeField(null=True)
    interpreter_needed = fields.BooleanField(default=False)
    # Guard-rail cautions the convenor saw and chose to go on with (flows/core/guard_rails.py).
    cautions_accepted: list = fields.JSONField(default=list)
    after_asked_at = fields.DatetimeField(null=True)  # the bot asked for the notes
    closed_at = fields.DatetimeField(null=True, db_index=True)
    anonymised_at = fields.DatetimeField(null=True)
    is_demo = fields.BooleanField(default=False)

    class Meta:
        # The dashboard's lists: a team's or a convenor's meetings by time, and the
        # feedback still owed (given_at NULL first, then the due day).
        indexes = (
            ("team_id", "starts_at"),
            ("convenor_id", "starts_at"),
            ("feedback_given_at", "feedback_due"),
        )


class Attendee(Model):
    """One seat at the meeting: a contacted person or a staff user on Telegram."""

    id = fields.IntField(primary_key=True)
    meeting: fields.ForeignKeyRelation[Meeting] = fields.ForeignKeyField(
        "models.Meeting", related_name="attendees", on_delete=fields.CASCADE
    )
    person: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="attendances", null=True, on_delete=fields.SET_NULL
    )
    staff_user: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name="attendances", null=True, on_delete=fields.SET_NULL
    )
    role = fields.CharEnumField(AttendeeRole, max_length=24)
    agency = fields.CharEnumField(Agency, max_length=24, default=Agency.NONE)
    # "why I am there" in the convenor's plain words; "" for the person in focus, whose
    # line is worded at render time in the reader's language (flows.core.labels.attendee_why).
    why = fields.CharField(max_length=200, default="")
    response = fields.CharEnumField(
        AttendeeResponse, max_length=16, default=AttendeeResponse.PENDING
    )
    responded_at = fields.DatetimeField(null=True)
    gives_feedback = fields.BooleanField(default=False)  # gets back to the person after
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        # Foreign keys get no index of their own; the dashboard reads seats per meeting
        # and the meetings of a person who opted out.
        indexes = (("meeting_id", "role"), ("person_id",))


class InfoLink(Model):
    """A key to the participant page /i/<token>, hash only. Each information message
    carries its own, so every attendee holds a different key (and the page knows whose)."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)  # sha256 hex
    meeting: fields.ForeignKeyRelation[Meeting] = fields.ForeignKeyField(
        "models.Meeting", related_name=False, on_delete=fields.CASCADE
    )
    # Empty only for the one shared key a meeting had before keys were per attendee.
    attendee: fields.ForeignKeyNullableRelation[Attendee] = fields.ForeignKeyField(
        "models.Attendee", related_name=False, null=True, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)


class ChecklistTick(Model):
    id = fields.IntField(primary_key=True)
    meeting: fields.ForeignKeyRelation[Meeting] = fields.ForeignKeyField(
        "models.Meeting", related_name="ticks", on_delete=fields.CASCADE
    )
    checklist = fields.CharEnumField(Checklist, max_length=16)
    item_key = fields.CharField(max_length=40)  # key into the checklist data in flows/
    state = fields.CharEnumField(TickState, max_length=16)
    ticked_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    ticked_at = fields.DatetimeField(auto_now=True)

    class Meta:
        unique_together = (("meeting", "checklist", "item_key"),)


class Note(Model):
    id = fields.IntField(primary_key=True)
    meeting: fields.ForeignKeyRelation[Meeting] = fields.ForeignKeyField(
        "models.Meeting", related_name="notes", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(NoteKind, max_length=16)
    text = fields.TextField()
    author: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        indexes = (("meeting_id",),)  # a meeting's timeline


class ActionItem(TimestampedModel):
    id = fields.IntField(primary_key=True)
    meeting: fields.ForeignKeyRelation[Meeting] = fields.ForeignKeyField(
        "models.Meeting", related_name="action_items", on_delete=fields.CASCADE
    )
    what = fields.TextField()
    owner: fields.ForeignKeyNullableRelation[Attendee] = fields.ForeignKeyField(
        "models.Attendee", related_name="action_items", null=True, on_delete=fields.SET_NULL
    )
    due = fields.DateField(null=True, db_index=True)
    status = fields.CharEnumField(ActionStatus, max_length=16, default=ActionStatus.OPEN)
    done_at = fields.DatetimeField(null=True)

    class Meta:
        # Overdue open items across a team; a meeting's own items.
        indexes = (("status", "due"), ("meeting_id", "due"))
