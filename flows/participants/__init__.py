"""What the people invited to a meeting read and answer: message templates in their
language, each due outbox row composed at dispatch time (compose), SMS part counting, the
information page, reply keywords, what a reply does, the survey, inbound SMS and the
Telegram link for participants.

May import: storage, flows.core, flows.care, flows.outbox, flows.outcomes.
"""
