"""Exceptions the kernel raises for problems a person must fix."""

from __future__ import annotations


class ConfigurationError(Exception):
    """The configuration cannot be used; the message lists every problem and its fix."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(f"- {p}" for p in problems))


class PluginError(Exception):
    """A plugin failed inside one of its hooks."""

    def __init__(self, plugin: str, hook: str, error: BaseException):
        self.plugin = plugin
        self.hook = hook
        super().__init__(f"plugin '{plugin}' failed in hook '{hook}': {type(error).__name__}: {error}")


class DomainError(Exception):
    """A rule of the domain refused an action; ``code`` and ``field`` are for the client.

    ``message`` is an English template with named placeholders, filled from ``params``
    (``DomainError("ballot {ballot} is closed", code="INVALID_STATE", ballot=title)``), never
    an f-string: the template is the msgid of the message catalogue (``core.messages``), so the
    client sees the message in its language while ``message`` stays English for the logs.
    ``code`` (and ``field``) are the stable, language-independent part clients branch on."""

    def __init__(self, message: str, *, code: str = "INVALID", field: str | None = None, **params):
        from jiedao.core.messages import format_message

        self.template = message
        self.params = params
        self.message = format_message(message, params)
        self.code = code
        self.field = field
        super().__init__(self.message)

    @classmethod
    def of(cls, text, *, code: str = "INVALID", field: str | None = None) -> DomainError:
        """The error for a ``core.messages.Translatable`` made elsewhere (a check returning its
        problem); the audit checks the ``Translatable(...)`` where it is written."""
        return cls(text.template, code=code, field=field, **text.params)

    @property
    def extensions(self) -> dict[str, str]:
        """Shown to GraphQL clients when the error surfaces outside a mutation payload."""
        return {"code": self.code, **({"field": self.field} if self.field else {})}
