"""A meeting as the convenor prepares, runs and closes it: `/new` (meeting_form), the card,
the checklists, reading free-form dates (when_parser), changes and their
notices, `/after` (meeting_close), meetings created through the API (meeting_intake) and the
meetings list.

May import: storage, flows.core, flows.care, flows.staff, flows.outbox, flows.participants,
flows.outcomes.
"""
