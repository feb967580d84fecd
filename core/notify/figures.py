"""What the notification loop tells the cockpit and ``/metrics``.

- ``core.notify.time_to_ack`` (distribution, minutes): how long alerts waited for their first
  acknowledgement, by severity, at the time they were acknowledged.
- ``core.notify.undelivered`` (gauge): messages not (yet) delivered — waiting, being sent or
  given up — by channel and status.
- ``jiedao_notifications_total{street,channel,outcome}`` (Prometheus counter, this process):
  every attempt's and receipt's outcome, in ``/metrics`` next to the request series.
"""

from __future__ import annotations

from prometheus_client import Counter
from sqlalchemy import func, select

from jiedao.core.figures import Metric, MetricKind
from jiedao.core.notify.models import FAILED, PENDING, SENDING, Alert, OutboxMessage

OUTCOMES = Counter("jiedao_notifications", "Notification attempts and receipts by outcome.", ("street", "channel", "outcome"))


def time_to_ack():
    """One row per acknowledged alert: minutes to the first acknowledgement, by severity."""
    return select(Alert.acknowledged_at.label("at"), Alert.ack_minutes.label("value"), Alert.severity.label("severity")).where(Alert.ack_minutes.is_not(None))


def undelivered():
    """Messages waiting, being sent or given up, by channel and status."""
    return (
        select(func.count().label("value"), OutboxMessage.channel.label("channel"), OutboxMessage.status.label("status"))
        .where(OutboxMessage.status.in_([PENDING, SENDING, FAILED]))
        .group_by(OutboxMessage.channel, OutboxMessage.status)
    )


NOTIFY_METRICS = (
    Metric(
        key="core.notify.time_to_ack", title_zh="告警确认用时", title_en="Time to acknowledge alerts", kind=MetricKind.DISTRIBUTION,
        source=time_to_ack, unit="分钟", dimensions=("severity",),
        description="Minutes from an alert being raised to its first acknowledgement, by severity.",
    ),
    Metric(
        key="core.notify.undelivered", title_zh="未送达通知", title_en="Undelivered notifications", kind=MetricKind.GAUGE,
        source=undelivered, unit="条", dimensions=("channel", "status"),
        description="Notifications waiting to be sent, being sent, or given up after their retries, now.",
    ),
)


def count_outcomes(street: str, counts) -> None:
    """Add a delivery batch's ``(channel, outcome) -> n`` to the Prometheus counter."""
    for (channel, outcome), n in counts.items():
        OUTCOMES.labels(street, channel, outcome).inc(n)
