"""The domain's fixed words: every status, kind and role as a StrEnum, and the status
groups named once. Stored as their values; `storage.models` re-exports them all."""

from __future__ import annotations

from enum import StrEnum


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
