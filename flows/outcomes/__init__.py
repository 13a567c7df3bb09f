"""Whether people move: the six-step development ladder (its steps, and a team's own names
for them), the step recorded per meeting by the convenor or the person, the outcome question
some time after the last meeting (planned, answered, expired), and the figures coordinators
see (step at first vs latest meeting, share in steps 4-6, outcomes beside the national share,
small groups suppressed).

It sits below the channels: `/after` (flows.meetings) and the survey and replies
(flows.participants) record through it, so it imports neither of them.

May import: storage, flows.core, flows.care, flows.staff, flows.outbox.
"""
