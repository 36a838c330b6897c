"""Alert delivery: the outbox, digests, rendering and the channels (email, Slack, Apprise)."""
