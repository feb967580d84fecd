"""Exceptions the kernel raises for problems a person must fix."""


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
    """A rule of the domain refused an action; ``code`` and ``field`` are for the client."""

    def __init__(self, message: str, *, code: str = "INVALID", field: str | None = None):
        self.message = message
        self.code = code
        self.field = field
        super().__init__(message)

    @property
    def extensions(self) -> dict[str, str]:
        """Shown to GraphQL clients when the error surfaces outside a mutation payload."""
        return {"code": self.code, **({"field": self.field} if self.field else {})}
