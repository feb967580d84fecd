"""Rules, time and the running system: state-transition tables, event kinds, lookups, the clock, durations, the kernel, audit, accounts, a street transaction (and the street setting row-level security reads), a street's live feed for subscriptions and the rows it watches, ID-card numbers (checked, masked)."""

from __future__ import annotations

from jiedao.core import clock
from jiedao.core.clock import CHINA
from jiedao.core.db import UTCDateTime, set_street_guc
from jiedao.core.event_kinds import event_kind
from jiedao.core.events import street_transaction
from jiedao.core.feeds import StreetFeed
from jiedao.core.live_rows import watch_rows
from jiedao.core.figures import MetricKind
from jiedao.core.identity import models as identity
from jiedao.core.identity.audit import record as audit
from jiedao.core.kernel import Kernel
from jiedao.core.lookup import get_or_not_found
from jiedao.core.notify import Notification
from jiedao.core.personal_data import id_card_problem, mask_id_card
from jiedao.core.settings import Duration, parse_duration
from jiedao.core.transitions import Transitions

__all__ = [
    "StreetFeed",
    "audit",
    "CHINA",
    "clock",
    "Duration",
    "event_kind",
    "get_or_not_found",
    "id_card_problem",
    "identity",
    "Kernel",
    "mask_id_card",
    "MetricKind",
    "Notification",
    "parse_duration",
    "set_street_guc",
    "street_transaction",
    "Transitions",
    "UTCDateTime",
    "watch_rows",
]
