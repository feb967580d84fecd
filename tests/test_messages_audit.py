"""The message catalogue audit (issue 19): every message a person may see is a literal template
with named placeholders, translated into every language of the catalogue with the same
placeholders (``core.messages_audit``)."""

from __future__ import annotations

from pathlib import Path

from jiedao.core.messages import core_catalogue, load_catalogue, placeholders
from jiedao.core.messages_audit import ROOT, audit, known_names, missing_names, po_entries

NOT_YET_CONVERTED: frozenset[str] = frozenset()
"""Plugin folders whose messages are not converted yet (the audit skips them): none. A plugin
added to Jiedao's tree comes with its catalogue; this stays empty."""


def test_every_message_is_a_translated_template():
    problems, _ = audit(skip=NOT_YET_CONVERTED)
    assert not problems, (
        f"{len(problems)} message problem(s); see core/messages.py for the rules and "
        "`python -m jiedao.core.messages_audit --po PATH` for .po stubs:\n" + "\n".join(map(str, problems))
    )


def test_allow_list_names_existing_plugin_folders():
    assert all((ROOT / folder).is_dir() and folder.startswith("plugins/") for folder in NOT_YET_CONVERTED)


def test_the_catalogue_has_chinese_and_english():
    assert core_catalogue().languages == ("en", "zh-CN")


def test_every_translation_keeps_the_placeholders_of_its_template():
    folders = [(p.parent.name, p) for p in sorted((ROOT / "plugins").glob("*/locale"))]
    catalogue = load_catalogue(folders)
    wrong = [
        (language, msgid)
        for language, table in catalogue.translations.items()
        for msgid, translated in table.items()
        if placeholders(msgid) != placeholders(translated)
    ]
    assert not wrong


def _owner(po: Path) -> str:
    """``core`` or the plugin whose catalogue ``po`` is."""
    return "core" if po.is_relative_to(ROOT / "core") else po.relative_to(ROOT / "plugins").parts[0]


def test_no_two_catalogues_translate_one_message_differently():
    """A msgid is one key for every package: a second, different translation would be ignored
    (the first read wins), silently changing the other package's wording."""
    from babel.messages.pofile import read_po

    seen: dict[tuple[str, str | None, str], tuple[str, Path]] = {}
    clashes = []
    for po in sorted([*(ROOT / "core" / "locale").rglob("*.po"), *(ROOT / "plugins").glob("*/locale/**/*.po")]):
        with po.open("rb") as file:
            for entry in read_po(file):
                if not entry.id or not entry.string or entry.fuzzy or not isinstance(entry.id, str):
                    continue
                key = (po.parent.parent.name, entry.context, entry.id)
                first = seen.setdefault(key, (entry.string, po))
                # a names table (msgctxt "name") is per owner: the same word may differ between owners
                if first[0] != entry.string and (entry.context is None or _owner(po) == _owner(first[1])):
                    clashes.append(f"{entry.id!r}: {first[0]!r} ({first[1].relative_to(ROOT)}) vs {entry.string!r} ({po.relative_to(ROOT)})")
    assert not clashes


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_audit_finds_each_kind_of_problem(tmp_path):
    plugin = tmp_path / "plugins" / "sample"
    source = _write(
        plugin,
        "service.py",
        '''
from jiedao.api import DomainError

CLOSED = "Ballot {ballot} is closed."

def bad(field, message, **params):
    return DomainError(message, code="BAD_INPUT", field=field, **params)

def refuse(title, n):
    raise DomainError(f"Ballot {title} is closed.", code="INVALID_STATE")

def refuse_again(title):
    raise DomainError(CLOSED, code="INVALID_STATE", ballot=title)

def refuse_wrongly(title):
    raise DomainError("Ballot {ballot} is closed.", code="INVALID_STATE", title=title)

def refuse_by_helper(n):
    raise bad("count", "Give at most {limit} answers.", limit=n)

def refuse_untranslated():
    raise DomainError("Nobody translated this.", code="INVALID")

def refuse_a_gizmo():
    raise DomainError("There is no such {type} in this street.", code="NOT_FOUND", type="Gizmo")

def refuse_a_ballot():
    raise DomainError("There is no such {type} in this street.", code="NOT_FOUND", type="WorkItem")
''',
    )
    problems, untranslated = audit([source])
    texts = sorted(f"{p.line}: {p.text}" for p in problems)
    assert any(t.startswith("10: an f-string template") for t in texts), texts
    assert any(t.startswith("16: the template's placeholders ['ballot'] differ from the params passed ['title']") for t in texts), texts
    assert any("no zh-CN translation of 'Give at most {limit} answers.'" in t for t in texts), texts
    assert any("no zh-CN translation of 'Nobody translated this.'" in t for t in texts), texts
    assert not any(t.startswith("7:") for t in texts), "the helper's own call passes its parameter on"
    assert 'msgid "Nobody translated this."' in po_entries(untranslated)
    assert any(t.startswith("25: no zh-CN name for the word 'Gizmo'") for t in texts), texts
    assert not any(t.startswith("28:") for t in texts), "WorkItem is in the core's names table"


def _all_plugins_catalogue():
    return load_catalogue([(p.parent.name, p) for p in sorted((ROOT / "plugins").glob("*/locale"))])


def test_every_type_and_state_name_has_a_chinese_name():
    """Each name a message may carry as a param (a Node type, an enum value, a work-item
    action) has a zh-CN entry in some names table (``msgctxt "name"``)."""
    names = known_names()
    assert {"Ballot", "WorkItem", "NEW", "accept", "rate reopen", "APPLIED"} <= set(names)
    assert not missing_names(_all_plugins_catalogue(), names)


def test_a_new_state_without_a_chinese_name_fails():
    sdl = """
    interface Node { id: ID! }
    type Gizmo implements Node { id: ID! state: GizmoState! }
    enum GizmoState { HUMMING BROKEN }
    enum ErrorCode { NOT_FOUND }
    type Query { gizmo: Gizmo }
    """
    missing = missing_names(_all_plugins_catalogue(), known_names(sdl))
    assert missing == ["zh-CN: Gizmo (a Node type)", "zh-CN: HUMMING (a value of GizmoState)", "zh-CN: BROKEN (a value of GizmoState)"]
