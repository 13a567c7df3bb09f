"""Staff users and what they may reach: invitations (onboarding), the dashboard's one-time
login, API tokens, the scope rule (which meetings a viewer may see), and staff settings
outside a meeting (language, leaving a flow).

May import: storage, flows.core.
"""
