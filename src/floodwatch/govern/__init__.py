"""Governance: cases, enforcement, appeals, oversight and campaigns as an append-only, hash-chained event log.

Every step is an event; every state (a case's, an action's, a notice's) is derived from events; the event log is
the audit log (the idea of Bluesky's Ozone). See docs/governance.md.
"""
