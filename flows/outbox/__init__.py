"""What leaves, and when: the campaign (reminders as data, offsets and delivery hours), the
schedule (quiet hours, working days), each team's own settings over the defaults
(team_settings) and delivery reports applied to rows. What a due row
says is composed at dispatch time, in flows.participants.compose.

May import: storage, flows.core, flows.care.
"""
