"""Daily alerts: the scheduled scan, the alert lifecycle, the delivery outbox and its channels."""
