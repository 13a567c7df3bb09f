"""Data care: consent to be contacted and opting out (honoured everywhere at once),
retention (old meetings anonymised), a person's right of access and erasure,
and the audit log of who saw what.

May import: storage, flows.core.
"""
