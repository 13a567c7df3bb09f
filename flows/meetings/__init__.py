"""A meeting as the convenor prepares, runs and closes it: `/new` (meeting_form, its steps in
form_meeting, form_person and form_attendees, shared parts in form_base, dates confirmed in
form_when), the card, the checklists, reading free-form dates (when_parser), changes and their
notices, `/after` (meeting_close) and the request for it (notes_request), meetings created
through the API (meeting_intake) and the meetings list.

May import: storage, flows.core, flows.care, flows.staff, flows.outbox, flows.participants,
flows.outcomes.
"""
