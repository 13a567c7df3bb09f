"""What coordinators check afterwards: what needs attention, one meeting's timeline, survey
statistics, CSV exports, the daily digest and the words these views use.

May import: storage, flows.core, flows.staff, flows.outbox, flows.participants, flows.meetings.
"""
