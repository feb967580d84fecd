"""Message texts in Chinese and English, per event kind, overridable per street.

Templates are ``string.Template`` texts (``$where``, ``${what}``): a street's operator can
change them in plugins.toml (``[streets.X.notify.templates]``) without being able to reach
anything but the fields below — no attribute access, no code. A field the alert does not
have renders empty. The fields a person needs at 3 a.m.:

- ``what`` (烟感报警 / smoke alarm), ``severity`` (紧急/重要/一般), ``when`` (China time),
- ``where`` (compound, building, unit, room), ``who`` (who lives there: 独居老人 …),
- ``device`` (kind and id), ``step`` (which people this is: 网格员, 社区值班 …),
- ``ack`` (the link to acknowledge and record what was found).
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Template

BUILT_IN: dict[str, dict[str, str]] = {
    "sensors.alarm": {
        "zh": "【$severity】$what\n地点：$where\n住户：$who\n设备：$device\n时间：$when\n通知：$step\n请立即处置并确认：$ack",
        "en": "[$severity] $what\nWhere: $where\nWho lives there: $who\nDevice: $device\nWhen: $when\nNotified as: $step\nAcknowledge and record what you found: $ack",
    },
    "digest": {
        "zh": "【每日汇总】$when 共 $count 条一般提醒：\n$items",
        "en": "[Daily digest] $when, $count minor messages:\n$items",
    },
    "default": {
        "zh": "【$severity】$what\n地点：$where\n时间：$when\n$ack",
        "en": "[$severity] $what\nWhere: $where\nWhen: $when\n$ack",
    },
}
SEVERITY_WORDS = {
    "zh": {"critical": "紧急", "major": "重要", "minor": "一般", "info": "通知"},
    "en": {"critical": "CRITICAL", "major": "MAJOR", "minor": "minor", "info": "info"},
}
STEP_WORDS = {
    "zh": {"grid": "网格员", "community": "社区值班", "street": "街道值班", "repeat": "再次提醒", "then": "再次提醒"},
    "en": {"grid": "grid worker", "community": "community duty", "street": "street duty", "repeat": "reminder", "then": "reminder"},
}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def template_for(kind: str, locale: str, overrides: Mapping[str, Mapping[str, str]]) -> str:
    """The street's template for ``kind`` in ``locale``, else the built-in one, else the default."""
    for table in (overrides, BUILT_IN):
        texts = table.get(kind)
        if texts and locale in texts:
            return texts[locale]
    return BUILT_IN["default"][locale if locale in BUILT_IN["default"] else "zh"]


def render(template: str, fields: Mapping[str, object]) -> str:
    """``template`` with ``fields`` filled in (``$$`` a dollar sign). A line whose fields are
    all empty is left out (no "住户：" line for a meter box in a corridor)."""
    values = _Blank({k: "" if v is None else str(v) for k, v in fields.items()})
    lines = []
    for line in template.split("\n"):
        names = [m.group("named") or m.group("braced") for m in Template.pattern.finditer(line) if m.group("named") or m.group("braced")]
        if names and not any(values[n] for n in names):
            continue
        lines.append(_substitute(line, values))
    return "\n".join(lines)


def _substitute(template: str, values: _Blank) -> str:
    try:
        return Template(template).substitute(values)
    except (ValueError, KeyError):
        return Template(template).safe_substitute(values)


def check_template(text: str) -> str | None:
    """Why ``text`` is not a usable template (a lone ``$``), or None."""
    try:
        Template(text).substitute(_Blank())
    except ValueError as error:
        return str(error)
    return None
