"""Notifications: each finished investigation posted to the configured targets, through an outbox.

`orchestrator/notify_settings.py` holds the SRE_NOTIFY_* settings (below settings.py);
`policy.py` which incidents go where; `payloads.py` what is posted (the generic JSON webhook,
signed; Slack's Block Kit); `deliverer.py` the loop that delivers from the store's outbox
(`store/outbox.py`) with retries and backoff.
"""
