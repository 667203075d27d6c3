"""Typed failures of an outbound delivery, so the alert outbox can decide: try again later, or give up.

Senders (DingTalk, WeCom, …) translate transport failures, HTTP statuses and the platform's JSON ``errcode``
into one of two classes:

* ``RetryableDeliveryError`` — throttling, a busy or failing server (5xx, ``errcode`` -1), a timeout or a
  dropped connection. ``retry_after_s`` is the earliest sensible retry (the platform's own penalty window
  when it publishes one, e.g. DingTalk blocks a robot for 10 minutes after it exceeds 20 messages/min).
* ``PermanentDeliveryError`` — anything a retry cannot fix: a wrong key or signature, a dissolved group, a
  message the platform rejects as invalid.

``parts_sent`` says how many messages of a multi-message card were accepted before the failure, so a retry
can resume instead of repeating them.
"""

from __future__ import annotations


class DeliveryError(Exception):
    """A message the platform did not accept."""

    def __init__(
        self, message: str, *, platform: str, errcode: int | None = None, parts_sent: int = 0
    ) -> None:
        super().__init__(message)
        self.platform = platform
        self.errcode = errcode
        self.parts_sent = parts_sent


class RetryableDeliveryError(DeliveryError):
    """Try again after ``retry_after_s`` seconds."""

    def __init__(
        self,
        message: str,
        retry_after_s: float,
        *,
        platform: str,
        errcode: int | None = None,
        parts_sent: int = 0,
    ) -> None:
        super().__init__(message, platform=platform, errcode=errcode, parts_sent=parts_sent)
        self.retry_after_s = retry_after_s


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help; report it."""
