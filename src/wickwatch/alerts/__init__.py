"""Alerts: the alerts users received and their outbox of deliveries."""
