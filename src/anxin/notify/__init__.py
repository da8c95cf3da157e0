"""Notifications: the outbox written in the caller's transaction, channels, templates, delivery."""
