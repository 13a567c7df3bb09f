"""The whole domain as Tortoise models.

Times are aware datetimes stored in UTC (`use_tz`); each meeting keeps its own
time zone name for showing local time. Personal data sits in few places
(`Person`, free text on meetings, notes, answers) so that retention and erasure
can find it; counts and statuses live beside it and survive anonymisation.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class StaffRole(StrEnum):
    CONVENOR = "convenor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class Channel(StrEnum):
    SMS = "sms"
    TELEGRAM = "telegram"


class MeetingKind(StrEnum):
    FIRST = "first"
    FOLLOW_UP = "follow_up"
    HANDOVER = "handover"  # handover or closing meeting
    COORDINATED_PLAN = "coordinated_plan"  # samordnad individuell plan (SIP)


class MeetingStatus(StrEnum):
    DRAFT = "draft"  # being prepared, nothing sent yet
    PLANNED = "planned"  # information sent or scheduled
    HELD = "held"
    NO_SHOW = "no_show"  # the person did not come
    CANCELLED = "cancelled"
    MOVED = "moved"
    CLOSED = "closed"  # notes done, follow-up handed over


# The statuses in groups, named once; every "is it still on?" asks one of these.
UPCOMING = (MeetingStatus.DRAFT, MeetingStatus.PLANNED)  # not taken place: may still change
# Will not take place at its time: nothing more about it goes out (reminders, notices).
CALLED_OFF = (MeetingStatus.CANCELLED, MeetingStatus.MOVED)
HELD = (MeetingStatus.HELD, MeetingStatus.CLOSED)  # took place with the person there


class AttendeeRole(StrEnum):
    PERSON_IN_FOCUS = "person_in_focus"
    REFERRER = "referrer"
    AGENCY_STAFF = "agency_staff"
    RELATIVE = "relative"  # relative or trusted person
    INTERPRETER = "interpreter"
    OTHER = "other"


class Agency(StrEnum):
    ARBETSFORMEDLINGEN = "arbetsformedlingen"
    FORSAKRINGSKASSAN = "forsakringskassan"
    KOMMUN = "kommun"  # the municipality's social services
    REGION = "region"  # health care and psychiatry
    OTHER = "other"
    NONE = "none"  # the person in focus, relatives


class AttendeeResponse(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class ConsentKind(StrEnum):
    CONTACT_SMS = "contact_sms"
    CONTACT_TELEGRAM = "contact_telegram"
    SHARE_INFORMATION = "share_information"  # between the agencies, per agency
    OUTCOME_QUESTION = "outcome_question"  # one question some months after the last meeting


class Checklist(StrEnum):
    PREPARATION = "preparation"
    MEETING = "meeting"


class TickState(StrEnum):
    DONE = "done"
    NOT_APPLICABLE = "not_applicable"
    LATER = "later"


class NoteKind(StrEnum):
    PERSON_VIEW = "person_view"
    DECISION = "decision"
    NEXT_MEETING = "next_meeting"
    OTHER = "other"


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class OutboxStatus(StrEnum):
    """The life of one outgoing message.

    scheduled -> sending -> sent -> delivered | failed
    scheduled -> cancelled (meeting cancelled or edited, person opted out)
    scheduled -> expired   (its moment passed: e.g. a reminder after the start)
    sending   -> scheduled (retryable error: attempts+1, next_attempt_at later)
    sending   -> failed    (permanent error, or attempts exhausted)
    """

    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class MessageKind(StrEnum):
    """What an outbox row is for (`OutboxMessage.kind`): the dashboard groups by it, and
    composing treats some kinds apart (a reminder after a no is dropped, and so on)."""

    INFO = "info"  # the information before the meeting
    REMINDER = "reminder"
    CHANGE = "change"  # the meeting was moved or edited
    CANCEL = "cancel"  # the meeting was cancelled
    SUMMARY = "summary"  # what was decided, after the meeting
    SURVEY = "survey"
    FOLLOW_UP = "follow_up"  # a duty after the meeting (feedback, an action item)
    ALERT = "alert"  # news for the convenor: a no, a failed message, a reply
    NOTES_REQUEST = "notes_request"  # the bot asks the convenor for the notes
    DIGEST = "digest"  # the coordinator's daily digest
    RECEIPT = "receipt"  # our answer to a person's own message (sent even after a STOP)
    OUTCOME = "outcome"  # what the person does now, months after the latest meeting


class SurveyStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    EXPIRED = "expired"


class StepAssessor(StrEnum):
    """Whose view a step on the ladder is: agreed at the meeting, or the person's own."""

    CONVENOR = "convenor"  # recorded in /after: what the person and the meeting agreed
    PERSON = "person"  # the survey's optional question, answered by the person


class OutcomeCategory(StrEnum):
    """What the person does now, as they answer the outcome question (one digit, 1-6)."""

    WORK = "work"
    STUDIES = "studies"
    TRAINING = "training"  # internship or work training
    LOOKING = "looking"  # looking for work
    SICK_OR_BENEFIT = "sick_or_benefit"  # sick leave or a benefit
    OTHER = "other"


class ActorKind(StrEnum):
    STAFF = "staff"
    SYSTEM = "system"
    PERSON = "person"
    API = "api"


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
