"""What an alarm says, in words, in the reader's language.

An alarm row keeps its text in English (``Alarm.message``, e.g. ``residual current 340 mA ≥ 300
mA``), written by the rules from the templates below. Rows written before, and rows written
now, are shown in the request's language by matching the stored text against these templates
(``alarm_text``) and rendering the match through the catalogue (the plugin's ``locale/``): no
column, no migration, and a text no template matches (an old or hand-written one) is shown as
it is.
"""

from __future__ import annotations

from typing import Any

from jiedao.api.messages import MessagePatterns, Translatable

RESIDUAL_CURRENT_HIGH = "residual current {value} mA ≥ {limit} mA"
LINE_TEMPERATURE_HIGH = "line temperature {value} °C ≥ {limit} °C"
LINE_CURRENT_HIGH = "line current {value} A ≥ {limit} A"
CHARGER_TEMPERATURE_HIGH = "charging point temperature {value} °C ≥ {limit} °C"

BATTERY_LOW = "battery {value}% ≤ {limit}%"
ARC_FAULT_DETECTED = "arc fault detected"
SMOKE_DETECTED = "smoke detected"
TAMPERED = "device opened or removed"
SELF_TEST_FAILED = "self-test failed"
SILENT = "silent for {minutes} min"
"""An OFFLINE alarm: how long the device has been silent."""
HELD_FOR = "{text} for {seconds} s"
"""A duration condition: the condition's own text and how long it held before the alarm."""
BACK_TO_NORMAL = "back to normal"

ALARM_TEXT_TEMPLATES = (
    HELD_FOR, RESIDUAL_CURRENT_HIGH, LINE_TEMPERATURE_HIGH, LINE_CURRENT_HIGH, CHARGER_TEMPERATURE_HIGH, BATTERY_LOW, ARC_FAULT_DETECTED, SMOKE_DETECTED, TAMPERED, SELF_TEST_FAILED, SILENT, BACK_TO_NORMAL,
)
"""Every template an alarm's text is written from (``HELD_FOR`` first: it wraps the others)."""

_PATTERNS = MessagePatterns(ALARM_TEXT_TEMPLATES)


def written(template: str, **params: Any) -> str:
    """The English text of ``template`` as stored on an alarm row (``ALARM_TEXT_TEMPLATES``;
    their translations are tested in ``tests/test_alarm_texts.py``)."""
    return template.format(**params)


def alarm_text(message: str) -> Translatable | str:
    """The stored text of an alarm as a ``Translatable``, or the text itself when no template
    wrote it."""
    return _PATTERNS.match(message) or message


def render_alarm_text(message: str, context: Any) -> str:
    """An alarm's stored text in the language of ``context`` (a GraphQL context)."""
    text = alarm_text(message)
    return text if isinstance(text, str) else text.render(context)
