"""The message catalogue: English templates with named placeholders, translated per language.

A message is written once, in English, as a ``str.format`` template with *named* placeholders
(``"ballot {ballot} is closed"``) and its values passed separately (never an f-string); that
template is the gettext ``msgid``. Translations live in gettext ``.po`` files, read with Babel
when the catalogue is first needed (no compiled ``.mo`` files: the ``.po`` files are the only
source): the core's in ``core/locale/<lang>/LC_MESSAGES/messages.po``, each plugin's in
``locale/<lang>/LC_MESSAGES/messages.po`` next to the module declaring its ``PLUGIN`` (or the
folder it registers with ``register.locale(path)``).

``DomainError``/``ClientError`` keep their English ``message`` for logs; the GraphQL layer renders
them in the request's language (``language_of``: ``Accept-Language``, else the street's setting
``language``) when they reach a client (``schema.localise``).
"""

from __future__ import annotations

import logging
import re
import string
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from babel import Locale, UnknownLocaleError
from babel.messages.pofile import read_po
from pydantic import AfterValidator

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel

log = logging.getLogger("jiedao.messages")

CORE_LOCALE = Path(__file__).resolve().parent / "locale"
"""The core's catalogue: ``core/locale/<lang>/LC_MESSAGES/messages.po``."""

SOURCE_LANGUAGE = "en"
"""The language of the templates themselves (the msgids)."""

DEFAULT_LANGUAGE = "zh-CN"
"""A street's language when its configuration names none (Jiedao serves Chinese streets)."""

NEGOTIATED_KEPT = 512
"""How many ``Accept-Language`` headers' answers a catalogue remembers (then it starts again)."""

MAX_ACCEPT_LANGUAGE = 512
"""Longer ``Accept-Language`` headers are ignored (the street's language applies)."""

NAME_CONTEXT = "name"
"""The ``msgctxt`` of the names table: type names, state/enum values, action names and the
short phrases passed as a message's params (``msgctxt "name"``, ``msgid "Ballot"``,
``msgstr "表决"``). Names are matched ignoring case (``OPEN``, ``open``)."""

WORD_PLACEHOLDERS = frozenset({"type", "state", "status", "action", "target", "current", "to", "thing", "what", "allowed_label"})
"""Placeholders whose (string) value is a word to translate through the names table: a type's
name, a state, an action. Other params (titles, input echoed back, lists of accepted input
values) are shown as given, unless passed as a ``Name``."""

LIST_SEPARATORS = {"zh-CN": "、"}
"""How a translated list of names is joined, per language (``, `` otherwise)."""


def placeholders(template: str) -> frozenset[str]:
    """The named placeholders of a ``str.format`` template (``{ballot}`` -> ``ballot``);
    raises ``ValueError`` on a malformed template (unbalanced braces)."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            names.add(name.split(".", 1)[0].split("[", 1)[0])
    return frozenset(names)


def format_message(template: str, params: Mapping[str, Any]) -> str:
    """``template`` with ``params`` filled in; a template without params is returned as is
    (so old messages with literal braces keep working). Never raises: a template that does
    not fit its params is returned unformatted and logged."""
    if not params:
        return template
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError, AttributeError) as error:
        log.warning("message template %r does not fit its params %r: %s", template, sorted(params), error)
        return template


def tag(language: str) -> str:
    """A catalogue language (``zh_CN``) as an HTTP language tag (``zh-CN``)."""
    return language.replace("_", "-")


def folder_name(language: str) -> str:
    """An HTTP language tag (``zh-CN``) as a catalogue folder name (``zh_CN``)."""
    return language.replace("-", "_")


@dataclass
class Catalogue:
    """Every translation of every message: language tag -> msgid -> translated template.

    English needs no entries (the msgid is the English template)."""

    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    sources: dict[str, list[Path]] = field(default_factory=dict)
    """Which .po files each language was read from (for error messages and the audit)."""
    _negotiated: dict[tuple[str, str], str] = field(default_factory=dict, repr=False, compare=False)
    """``negotiate``'s answers by (header, default)."""
    names: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    """The names table: language -> owner (``core`` or a plugin) -> lower-cased name -> translation."""
    owners: dict[str, str] = field(default_factory=dict)
    """Which owner's catalogue first translated each msgid (the domain of its word params)."""

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages messages can be rendered in, as tags (``en`` first)."""
        return (SOURCE_LANGUAGE, *sorted(t for t in self.translations if t != SOURCE_LANGUAGE))

    def add_folder(self, folder: Path, owner: str) -> None:
        """Read ``<folder>/<lang>/LC_MESSAGES/*.po``; a msgid already translated (by the core or
        an earlier plugin) keeps its first translation, and a different one is logged."""
        if not folder.is_dir():
            return
        self._negotiated.clear()  # the languages may change
        for po in sorted(folder.glob("*/LC_MESSAGES/*.po")):
            language = tag(po.parent.parent.name)
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=None, abort_invalid=True)
            table = self.translations.setdefault(language, {})
            self.sources.setdefault(language, []).append(po)
            for entry in catalog:
                if not entry.id or not isinstance(entry.id, str) or not entry.string or entry.fuzzy:
                    continue
                if entry.context == NAME_CONTEXT:
                    self.names.setdefault(language, {}).setdefault(owner, {}).setdefault(entry.id.lower(), entry.string)
                    continue
                if entry.context:
                    continue
                self.owners.setdefault(entry.id, owner)
                known = table.get(entry.id)
                if known is not None and known != entry.string:
                    log.warning("%s (%s) translates %r differently from an earlier catalogue; the first is used", po, owner, entry.id)
                    continue
                table[entry.id] = entry.string

    def translate(self, template: str, language: str) -> str:
        """The template in ``language`` (a tag the catalogue has), else the English template."""
        return self.translations.get(language, {}).get(template, template)

    def name(self, value: str, language: str, domain: str | None = None) -> str | None:
        """The translation of one name (``Ballot``, ``open``) in ``language``: from ``domain``'s
        table first, then the core's, then any plugin's; None if no table has it."""
        tables = self.names.get(language)
        if not tables:
            return None
        key = value.strip().lower()
        order = [t for t in (domain, "core") if t in tables] + [t for t in tables if t not in (domain, "core")]
        for owner in order:
            found = tables[owner].get(key)
            if found is not None:
                return found
        return None

    def word(self, value: str, language: str, domain: str | None = None) -> str:
        """``value`` as a word in ``language``: its name, or a ``, ``-separated list of names each
        translated (joined the language's way); unchanged when a part has no name."""
        if language == SOURCE_LANGUAGE or not value:
            return value
        found = self.name(value, language, domain)
        if found is not None:
            return found
        parts = value.split(", ")
        if len(parts) > 1:
            translated = [self.name(part, language, domain) for part in parts]
            if all(t is not None for t in translated):
                return LIST_SEPARATORS.get(language, ", ").join(translated)
        return value

    def untranslated_names(self, names: Iterable[str], language: str) -> list[str]:
        """Those of ``names`` the names table of ``language`` lacks (for the audit)."""
        return [n for n in names if self.name(n, language) is None]

    def _localise_params(self, template: str, params: Mapping[str, Any], language: str, words: bool = True) -> Mapping[str, Any]:
        """``params`` with nested ``Translatable``s rendered and (``words``: the template itself is
        translated) word params translated."""
        domain = self.owners.get(template)
        localised = {}
        for key, value in params.items():
            if isinstance(value, Translatable):  # e.g. "met" inside a reason
                value = self.render(value.template, value.params, language)
            elif words and isinstance(value, Name):
                value = self.word(str(value), language, value.domain or domain)
            elif words and isinstance(value, str) and key in WORD_PLACEHOLDERS:
                value = self.word(value, language, domain)
            localised[key] = value
        return localised

    def render(self, template: str, params: Mapping[str, Any], language: str) -> str:
        """The message in ``language``: the translated template with ``params`` filled in (word
        params through the names table); a translation that does not fit the params falls back
        to the English message."""
        translated = self.translate(template, language)
        if params and (language != SOURCE_LANGUAGE or any(isinstance(v, Translatable) for v in params.values())):
            params = self._localise_params(template, params, language, words=translated is not template)
        if translated is not template:
            if not params:
                return translated
            try:
                return translated.format(**params)
            except (KeyError, IndexError, ValueError, AttributeError):
                log.warning("the %s translation of %r does not fit its params; English is used", language, template)
        return format_message(template, params)

    def negotiate(self, accept_language: str | None, default: str) -> str:
        """The language to answer in: the best of ``Accept-Language`` the catalogue has, else
        ``default``. Garbage, unknown languages or an oversized header give ``default``.
        Every request asks: the answer per header is remembered (a few hundred at most)."""
        if not accept_language:
            return default
        key = (accept_language, default)
        found = self._negotiated.get(key)
        if found is None:
            found = next(filter(None, map(self.match, preferred_languages(accept_language))), default)
            if len(self._negotiated) >= NEGOTIATED_KEPT:
                self._negotiated.clear()
            self._negotiated[key] = found
        return found

    def match(self, wanted: str) -> str | None:
        """The catalogue language serving the tag ``wanted`` (``zh``, ``zh-Hans-CN`` and
        ``zh-CN`` -> ``zh-CN``; ``en-US`` -> ``en``), or None."""
        languages = self.languages
        if wanted == "*":
            return None
        lowered = {language.lower(): language for language in languages}
        if wanted.lower() in lowered:
            return lowered[wanted.lower()]
        try:
            locale = Locale.parse(folder_name(wanted))
        except (ValueError, TypeError, UnknownLocaleError):
            return None
        same_language = [language for language in languages if language.split("-")[0].lower() == locale.language]
        if not same_language:
            return None
        territory = [language for language in same_language if locale.territory and language.lower().endswith("-" + locale.territory.lower())]
        return (territory or same_language)[0]


def preferred_languages(header: str | None) -> list[str]:
    """The tags of an ``Accept-Language`` header, most wanted first (``q=0`` dropped); a
    malformed part is skipped, never an error."""
    if not header or len(header) > MAX_ACCEPT_LANGUAGE:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        name, _, rest = part.strip().partition(";")
        name = name.strip()
        if not name or not all(c.isascii() and (c.isalnum() or c in "-_*") for c in name):
            continue
        quality = 1.0
        rest = rest.strip()
        if rest:
            key, _, value = rest.partition("=")
            try:
                quality = float(value) if key.strip().lower() == "q" else 1.0
            except ValueError:
                continue
        if 0 < quality <= 1:
            weighted.append((-quality, position, name))
    return [name for _, _, name in sorted(weighted)]


def load_catalogue(folders: Iterable[tuple[str, Path]]) -> Catalogue:
    """The catalogue of the core and the given (owner, locale folder) pairs, in that order."""
    catalogue = Catalogue()
    catalogue.add_folder(CORE_LOCALE, "core")
    for owner, folder in folders:
        catalogue.add_folder(folder, owner)
    return catalogue


@cache
def core_catalogue() -> Catalogue:
    """The core's catalogue alone (what a street's ``language`` setting is validated against)."""
    return load_catalogue(())


_CATALOGUES: weakref.WeakKeyDictionary[Any, Catalogue] = weakref.WeakKeyDictionary()


@cache
def installed_catalogue() -> Catalogue:
    """The catalogue of the core and every plugin installed in this environment (for rendering
    outside a request, e.g. the Chinese reasons stored with a ballot's result)."""
    from jiedao.core.plugins import discover

    installed = discover().plugins
    return load_catalogue((name, installed[name].locale) for name in sorted(installed) if installed[name].locale is not None)


def catalogue_of(kernel: Kernel | None) -> Catalogue:
    """The catalogue of the core and every installed plugin of ``kernel`` (read once per kernel);
    without a kernel, that of the plugins installed in this environment."""
    if kernel is None:
        return installed_catalogue()
    catalogue = _CATALOGUES.get(kernel)
    if catalogue is None:
        catalogue = _CATALOGUES[kernel] = load_catalogue(plugin_locale_folders(kernel))
    return catalogue


def plugin_locale_folders(kernel: Kernel) -> list[tuple[str, Path]]:
    """Each installed plugin's locale folder: the one it registered, else its ``locale/``."""
    registered = getattr(kernel.contributions, "locales", {})
    folders = []
    for name, plugin in sorted(kernel.installed.items()):
        folder = registered.get(name) or plugin.locale
        if folder is not None:
            folders.append((name, Path(folder)))
    return folders


def known_language(value: str) -> str:
    """Pydantic validator of a street's ``language``: a language of the core's catalogue."""
    found = core_catalogue().match(value) if isinstance(value, str) else None
    if found is None or found.lower() != value.lower():
        raise ValueError(f"the language must be one of {', '.join(core_catalogue().languages)}")
    return found


StreetLanguage = Annotated[str, AfterValidator(known_language)]
"""The type of a street's ``language`` setting (``CoreStreetSettings.language``)."""


def street_language(kernel: Kernel | None, street: str | None) -> str:
    """The street's configured ``language`` (``zh-CN`` unless its configuration says otherwise)."""
    try:
        return kernel.config.streets[street].core.language
    except (AttributeError, KeyError):
        return DEFAULT_LANGUAGE


def request_language(kernel: Kernel, street: str, headers: Mapping[str, str] | None) -> str:
    """The language of one request (or WebSocket upgrade): its ``Accept-Language``, else the street's."""
    header = headers.get("accept-language") if headers is not None else None
    return catalogue_of(kernel).negotiate(header, street_language(kernel, street))


def language_of(context: Any) -> str:
    """The language of a GraphQL context (set from its request), else its street's."""
    language = getattr(context, "language", None)
    if language:
        return language
    return street_language(getattr(context, "kernel", None), getattr(context, "street", None))


def render_for(context: Any, template: str, params: Mapping[str, Any] | None = None) -> str:
    """``template`` with ``params`` in the language of ``context`` (a GraphQL context)."""
    return catalogue_of(getattr(context, "kernel", None)).render(template, params or {}, language_of(context))


class Name(str):
    """A word shown inside a message (a state, a type's name, an action), translated through the
    names table of ``domain`` (a plugin's name, or ``core``; default: the owner of the message's
    template). It is the English word everywhere else (logs, ``str``, comparisons)."""

    domain: str | None

    def __new__(cls, value: str, domain: str | None = None) -> Name:
        word = super().__new__(cls, value)
        word.domain = domain
        return word

    @classmethod
    def of(cls, value: Any) -> Name:
        """The name of an enum member (its value, in the domain of the module defining its enum)
        or of a string."""
        if isinstance(value, Enum):
            return cls(str(value.value), domain_of_module(type(value).__module__))
        return cls(str(value))


def domain_of_module(module: str) -> str:
    """``mediation`` for ``jiedao.plugins.mediation.states``, else ``core``."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["jiedao", "plugins"] else "core"


def names_list(values: Iterable[Any]) -> Name:
    """A ``, ``-separated list of names (enum members or strings) as one ``Name`` whose parts
    are translated one by one (``open, closed`` -> ``进行中、已结束``)."""
    members = list(values)
    domain = next((domain_of_module(type(v).__module__) for v in members if isinstance(v, Enum)), None)
    return Name(", ".join(str(v.value) if isinstance(v, Enum) else str(v) for v in members), domain)


class Translatable:
    """A message to show a person: an English template, its params, and its English text.

    ``DomainError``, ``ClientError`` and permission refusals carry one; ``render_error``
    renders any object with ``template`` and ``params`` attributes."""

    def __init__(self, template: str, **params: Any):
        self.template = template
        self.params = params

    @classmethod
    def from_table(cls, template: str, params: Mapping[str, Any]) -> Translatable:
        """A message whose template comes from a table (``MessagePatterns``) rather than a literal
        at the call: the audit cannot see it, so the table's owner tests its translations."""
        return cls(template, **params)

    def __str__(self) -> str:
        return format_message(self.template, self.params)

    def __repr__(self) -> str:
        return f"Translatable({self.template!r}, {self.params!r})"

    def render(self, context: Any) -> str:
        """The message in the language of ``context`` (a GraphQL context)."""
        return render_for(context, self.template, self.params)

    def in_language(self, language: str, kernel: Kernel | None = None) -> str:
        """The message in ``language`` (a tag of the catalogue; English if it has none)."""
        return catalogue_of(kernel).render(self.template, self.params, language)


def render_error(context: Any, error: Any) -> str | None:
    """The message of ``error`` in the context's language if it carries a template, else None."""
    template = getattr(error, "template", None)
    if not isinstance(template, str):
        return None
    return render_for(context, template, getattr(error, "params", None))


def render_for_request(kernel: Kernel, street: str, headers: Mapping[str, str] | None, text: Any) -> str:
    """``text`` (a ``Translatable``, or an error carrying ``template`` and ``params``, such as a
    ``DomainError``) in the language of a plain HTTP request (a plugin's own page or download)."""
    return catalogue_of(kernel).render(text.template, text.params, request_language(kernel, street, headers))


class MessagePatterns:
    """Templates recognised in texts already written out in English (graphql-core's messages,
    alarm texts stored before they were kept as templates): ``match`` gives back the
    ``Translatable`` that produced a text, so it can be shown in another language. A param
    named ``detail`` or ``text`` is matched in turn (a message inside a message)."""

    NESTED = ("detail", "text")

    def __init__(self, templates: Iterable[str]):
        self.templates = tuple(templates)
        self._patterns = tuple((_pattern_of(template), template) for template in self.templates)

    def match(self, text: str, depth: int = 0) -> Translatable | None:
        """The ``Translatable`` of the first template producing ``text``, else None."""
        if depth > 3:
            return None
        for pattern, template in self._patterns:
            found = pattern.match(text)
            if found is None:
                continue
            params: dict[str, Any] = dict(found.groupdict())
            for name in self.NESTED:
                if name in params:
                    params[name] = self.match(str(params[name]), depth + 1) or params[name]
            return Translatable.from_table(template, params)
        return None


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _pattern_of(template: str) -> re.Pattern[str]:
    """A regular expression matching the texts ``template`` produces, a group per placeholder
    (a placeholder used twice must match the same text)."""
    parts, seen, last = [], set(), 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[last:match.start()]))
        name = match.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("^" + "".join(parts) + "$", re.S)
