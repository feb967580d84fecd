"""Audit of the message catalogue: every message shown to a person is a translated template.

An AST walk over Jiedao's source finds every message a person may see -- ``DomainError(...)``,
``ClientError(...)``, ``Message(...)`` (and subclasses of them that keep their signature), the
``message`` of permission classes -- and reports:

- a template that is an f-string, a ``%``/``.format()`` expression or any other non-literal
  (a module-level string constant, or constants joined with ``+``, are fine);
- a template with no translation in a language of the owner's catalogue (the core's for
  ``core/`` and ``schema/``; the plugin's own, then the core's, for ``plugins/<name>/``);
- placeholders that differ between the template and a translation, or between the template and
  the keyword params the call passes;
- a permission class derived from strawberry's ``BasePermission`` with a message (derive it from
  ``schema.permissions.Refusal`` so the refusal is translated);
- a word param given as a literal (``action="assign"``, ``Name("none")``, a ``Transitions``'
  ``thing``/``when_none``/``allowed``) with no entry in the names table (``msgctxt "name"``).

``known_names`` lists the names a message may carry as a param -- every ``Node`` type of the
schema, every enum value but the error codes, every work-item action -- and ``missing_names``
those without a translation (``tests/test_messages_audit.py``).

Run ``python -m jiedao.core.messages_audit [PATHS...]`` to list the problems, or with ``--po``
to print ``.po`` entries (msgid and an empty msgstr) for the templates that lack a translation.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from jiedao.core.messages import CORE_LOCALE, SOURCE_LANGUAGE, WORD_PLACEHOLDERS, Catalogue, load_catalogue, placeholders

ROOT = Path(__file__).resolve().parent.parent
"""The ``jiedao`` package folder (core/, schema/, plugins/)."""

AUDITED = ("core", "schema", "plugins")



@dataclass(frozen=True)
class Taker:
    """A callable taking a catalogue template: at this position or as this keyword; its other
    named parameters are not template params."""

    position: int
    keyword: str
    own: frozenset[str] = frozenset({"message", "code", "field"})


MESSAGE_CLASSES = {name: Taker(0, "message") for name in ("DomainError", "ClientError", "Translatable")}
"""The message classes; subclasses keeping their signature and helpers passing one of their
parameters on as the template (``bad_input(field, message)``) are found by ``message_takers``."""

PERMISSION_BASES = {"Refusal", "IsAuthenticated"}
"""Permission classes whose ``message`` is a translated template."""

@dataclass(frozen=True)
class Found:
    """One message in the source: where it is and its template (None when not a literal)."""

    path: Path
    line: int
    template: str | None
    params: frozenset[str] | None
    """The keyword params the call passes (None: unknown, e.g. ``**params``)."""
    problem: str = ""
    words: tuple[str, ...] = ()
    """Literal words the call passes as word params (names the names table must have)."""


@dataclass(frozen=True)
class Problem:
    """What is wrong with one message."""

    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{_relative(self.path)}:{self.line}: {self.text}"


def source_files(paths: Iterable[Path], skip: Iterable[str] = ()) -> Iterator[Path]:
    """The non-test Python files under ``paths``, without the skipped folders (relative to ROOT)."""
    skipped = [ROOT / s for s in skip]
    for base in paths:
        files = [base] if base.is_file() else sorted(base.rglob("*.py"))
        for file in files:
            parts = file.relative_to(base if base.is_dir() else base.parent).parts
            if "tests" in parts or "testing" in file.parts or file.name.startswith("test_") or "migrations" in parts:
                continue
            if any(file.is_relative_to(s) for s in skipped):
                continue
            yield file


def _module_constants(tree: ast.Module) -> dict[str, str]:
    constants: dict[str, str] = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) and node.value else []
        for target in targets:
            if isinstance(target, ast.Name):
                value = _literal(node.value, constants)
                if value is not None:
                    constants[target.id] = value
    return constants


def _literal(node: ast.AST | None, constants: dict[str, str]) -> str | None:
    """The string a node always evaluates to (literals, module constants, ``+`` of those)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left, constants), _literal(node.right, constants)
        return left + right if left is not None and right is not None else None
    return None


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _why_not_literal(node: ast.AST) -> str:
    if isinstance(node, ast.JoinedStr):
        return "an f-string template (write a literal with named placeholders and pass the values as params)"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return "a %-formatted template (write a literal with named placeholders and pass the values as params)"
    if isinstance(node, ast.Call) and _name(node.func) == "format":
        return "a .format() template (pass the template itself and the values as params)"
    return f"a non-literal template ({ast.unparse(node)[:60]}); pass a literal template (or a module constant) and params"


def _call_template(call: ast.Call, taker: Taker) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == taker.keyword:
            return keyword.value
    return call.args[taker.position] if len(call.args) > taker.position else None


def _literal_word(node: ast.AST, constants: dict[str, str]) -> str | None:
    """The literal of ``"open"`` or ``Name("open", ...)``, else None."""
    if isinstance(node, ast.Call) and _name(node.func) == "Name" and node.args:
        return _literal(node.args[0], constants)
    return _literal(node, constants)


def _call_words(call: ast.Call, constants: dict[str, str]) -> tuple[str, ...]:
    """The literal words a message call passes: word placeholders, and ``Name(...)`` anywhere."""
    words = []
    for keyword in call.keywords:
        if keyword.arg is None:
            continue
        word = _literal_word(keyword.value, constants)
        explicit = isinstance(keyword.value, ast.Call) and _name(keyword.value.func) == "Name"
        if word and (explicit or keyword.arg in WORD_PLACEHOLDERS):
            words.append(word)
    return tuple(words)


TRANSITION_WORDS = ("thing", "when_none", "allowed")
"""The keywords of ``Transitions(...)`` shown as words in its refusal."""


def _call_params(call: ast.Call, taker: Taker) -> frozenset[str] | None:
    if any(keyword.arg is None for keyword in call.keywords):
        return None
    return frozenset(k.arg for k in call.keywords if k.arg not in taker.own)


def message_takers(files: Iterable[Path]) -> dict[str, Taker]:
    """The message classes, their subclasses in ``files`` that keep the signature (no
    ``__init__``), and the functions passing a parameter on as a template (to a fixpoint)."""
    known = dict(MESSAGE_CLASSES)
    trees = [ast.parse(file.read_text(encoding="utf-8")) for file in files]
    while True:
        before = len(known)
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in known and any(_name(b) in known for b in node.bases):
                    if not any(isinstance(item, ast.FunctionDef) and item.name == "__init__" for item in node.body):
                        known[node.name] = next(known[_name(b)] for b in node.bases if _name(b) in known)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name not in known:
                    taker = _passes_template_on(node, known)
                    if taker is not None:
                        known[node.name] = taker
        if len(known) == before:
            return known


def _passes_template_on(function: ast.FunctionDef | ast.AsyncFunctionDef, known: dict[str, Taker]) -> Taker | None:
    """A ``Taker`` for ``function`` if it hands one of its parameters to a message taker as the template."""
    arguments = function.args
    positional = [a.arg for a in [*arguments.posonlyargs, *arguments.args]]
    names = {*positional, *(a.arg for a in arguments.kwonlyargs)}
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and _name(node.func) in known:
            template = _call_template(node, known[_name(node.func)])
            if isinstance(template, ast.Name) and template.id in names:
                skip = 1 if positional[:1] in (["self"], ["cls"]) else 0
                position = positional.index(template.id) - skip if template.id in positional else 10_000
                return Taker(position, template.id, frozenset(names - {"self", "cls"}))
    return None


def _inside_taker(tree: ast.Module, known: dict[str, Taker]) -> set[int]:
    """Line numbers of calls inside taker functions that pass their parameter on (not audited)."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in known:
            parameter = known[node.name].keyword
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and _name(call.func) in known:
                    template = _call_template(call, known[_name(call.func)])
                    if isinstance(template, ast.Name) and template.id == parameter:
                        lines.add(call.lineno)
    return lines


def messages_in(file: Path, classes: dict[str, Taker]) -> Iterator[Found]:
    """Every message of ``file``: calls of the message classes (also ``super().__init__`` in
    their subclasses) and the ``message`` of permission classes."""
    tree = ast.parse(file.read_text(encoding="utf-8"))
    constants = _module_constants(tree)
    passed_on = _inside_taker(tree, classes)
    for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
        bases = {_name(b) for b in cls.bases}
        for node in ast.walk(cls):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__":
                inner = node.func.value
                if isinstance(inner, ast.Call) and _name(inner.func) == "super" and bases & set(classes):
                    taker = next(classes[b] for b in bases if b in classes)
                    yield _found(file, node, _call_template(node, taker), constants, _call_params(node, taker))
        message = next(
            (item for item in cls.body if isinstance(item, ast.Assign) and any(_name(t) == "message" for t in item.targets)),
            None,
        )
        if message is None:
            continue
        text = _literal(message.value, constants)
        if bases & {"BasePermission"} and text:
            yield Found(file, message.lineno, text, None, "a permission class on strawberry's BasePermission; derive it from Refusal (schema.permissions) so its message is translated")
        elif bases & PERMISSION_BASES and text != "":
            yield _found(file, message, message.value, constants, None)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in classes and node.lineno not in passed_on:
            taker = classes[_name(node.func)]
            found = _found(file, node, _call_template(node, taker), constants, _call_params(node, taker))
            yield replace(found, words=_call_words(node, constants))
        if isinstance(node, ast.Call) and _name(node.func) == "Transitions":
            words = tuple(w for k in node.keywords if k.arg in TRANSITION_WORDS and (w := _literal(k.value, constants)))
            if words:
                yield Found(file, node.lineno, None, None, "", words)
        if isinstance(node, ast.Dict):  # type(..., (Refusal,), {"message": ..., "params": {...}})
            keys = [_literal(k, {}) if k is not None else None for k in node.keys]
            if "message" in keys and "params" in keys:
                params_node = node.values[keys.index("params")]
                params = frozenset(_literal(k, {}) for k in params_node.keys) if isinstance(params_node, ast.Dict) else None
                yield _found(file, node, node.values[keys.index("message")], constants, params)


def _found(file: Path, node: ast.AST, template: ast.AST | None, constants: dict[str, str], params: frozenset[str] | None) -> Found:
    if template is None:
        return Found(file, node.lineno, None, params, "a message without a template")
    text = _literal(template, constants)
    if text is None:
        return Found(file, node.lineno, None, params, _why_not_literal(template))
    return Found(file, node.lineno, text, params)


def owner_of(file: Path) -> str:
    """``core`` for core/ and schema/, else the plugin's name."""
    parts = _relative(file).parts
    return parts[1] if parts[0] == "plugins" and len(parts) > 2 else "core"


def _relative(file: Path) -> Path:
    """``file`` relative to the source root (or from its ``plugins``/``core``/``schema`` folder)."""
    try:
        return file.relative_to(ROOT)
    except ValueError:
        for index, part in enumerate(file.parts):
            if part in AUDITED:
                return Path(*file.parts[index:])
        return file


def catalogue_for(owner: str, cache: dict[str, Catalogue]) -> Catalogue:
    """The core's catalogue, plus the plugin's own for a plugin."""
    if owner not in cache:
        folder = ROOT / "plugins" / owner / "locale"
        cache[owner] = load_catalogue([] if owner == "core" else [(owner, folder)])
    return cache[owner]


def audit(paths: Iterable[Path] | None = None, skip: Iterable[str] = ()) -> tuple[list[Problem], list[Found]]:
    """The problems of every message under ``paths`` (default: core/, schema/, plugins/), without
    the folders ``skip`` (relative to the source root), and the messages lacking a translation
    (for ``--po``)."""
    roots = [ROOT / p for p in AUDITED] if paths is None else list(paths)
    files = list(source_files(roots, skip))
    classes = message_takers(files)
    languages = [language for language in load_catalogue(()).languages if language != SOURCE_LANGUAGE]
    catalogues: dict[str, Catalogue] = {}
    problems: list[Problem] = []
    untranslated: list[Found] = []
    for file in files:
        for found in messages_in(file, classes):
            problems.extend(check(found, catalogue_for(owner_of(file), catalogues), languages, untranslated))
    return problems, untranslated


def check(found: Found, catalogue: Catalogue, languages: list[str], untranslated: list[Found]) -> list[Problem]:
    """The problems of one message against its catalogue."""
    def problem(text: str) -> Problem:
        return Problem(found.path, found.line, text)

    if found.problem:
        return [problem(found.problem)]
    problems = [
        problem(f"no {language} name for the word {word!r} (add msgctxt \"name\" msgid {word!r} to the owner's names.po)")
        for language in languages
        for word in found.words
        if catalogue.name(word, language) is None
    ]
    if found.template is None and found.words:
        return problems
    template = found.template or ""
    if not template.strip():
        return [problem("an empty message")]
    try:
        names = placeholders(template)
    except ValueError as error:
        return [problem(f"a malformed template {template!r}: {error}")]
    if found.params is not None and found.params != names:
        problems.append(problem(f"the template's placeholders {sorted(names)} differ from the params passed {sorted(found.params)}: {template!r}"))
    for language in languages:
        translated = catalogue.translations.get(language, {}).get(template)
        if translated is None:
            problems.append(problem(f"no {language} translation of {template!r}"))
            if found not in untranslated:
                untranslated.append(found)
            continue
        try:
            translated_names = placeholders(translated)
        except ValueError as error:
            problems.append(problem(f"the {language} translation of {template!r} is malformed: {error}"))
            continue
        if translated_names != names:
            problems.append(problem(f"the {language} translation of {template!r} has the placeholders {sorted(translated_names)}, not {sorted(names)}"))
    return problems


def known_names(schema_sdl: str | None = None) -> dict[str, str]:
    """The names a message may carry as a param, each with where it comes from: every type
    implementing ``Node`` in the schema (``There is no such {type}``), every value of every enum
    but ``ErrorCode`` (states, kinds, outcomes), every work-item action (as its refusals say it)."""
    from graphql import GraphQLEnumType, GraphQLObjectType, build_schema

    from jiedao.core.work.states import TRANSITIONS

    sdl = schema_sdl if schema_sdl is not None else (ROOT / "schema" / "schema.graphql").read_text(encoding="utf-8")
    schema = build_schema(sdl)
    names: dict[str, str] = {}
    for type_ in schema.type_map.values():
        if type_.name.startswith("__"):
            continue
        if isinstance(type_, GraphQLObjectType) and any(i.name == "Node" for i in type_.interfaces):
            names.setdefault(type_.name, "a Node type")
        elif isinstance(type_, GraphQLEnumType) and type_.name != "ErrorCode":
            for value in type_.values:
                names.setdefault(value, f"a value of {type_.name}")
    for action in TRANSITIONS:
        names.setdefault(action.replace("_", " "), "a work-item action")
        names.setdefault(action.split("_")[0], "a work-item action")
    return names


def missing_names(catalogue: Catalogue, names: dict[str, str]) -> list[str]:
    """``name (where)`` for each of ``names`` some language of ``catalogue`` cannot translate."""
    return [
        f"{language}: {name} ({where})"
        for language in catalogue.languages
        if language != SOURCE_LANGUAGE
        for name, where in names.items()
        if catalogue.name(name, language) is None
    ]


def po_entries(found: Iterable[Found]) -> str:
    """``.po`` entries (msgid, empty msgstr) for these messages, each once, with its source line."""
    seen: dict[str, list[str]] = {}
    for item in found:
        if item.template is not None:
            seen.setdefault(item.template, []).append(f"{_relative(item.path)}:{item.line}")
    blocks = []
    for template, where in seen.items():
        escaped = template.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        blocks.append(f"#: {' '.join(where)}\nmsgid \"{escaped}\"\nmsgstr \"\"\n")
    return "\n".join(blocks)


def main(argv: list[str]) -> int:
    """``python -m jiedao.core.messages_audit [--po] [PATHS...]``: list the problems (exit 1 if
    any), or print .po stubs for the untranslated templates."""
    want_po = "--po" in argv
    paths = [Path(a).resolve() for a in argv if a != "--po"] or None
    problems, untranslated = audit(paths)
    if want_po:
        print(po_entries(untranslated))
        return 0
    for item in problems:
        print(item)
    print(f"{len(problems)} problem(s); core catalogue: {CORE_LOCALE}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
