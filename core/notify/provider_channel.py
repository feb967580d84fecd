"""Base of a channel that talks to a provider's JSON API (DingTalk, WeCom ...).

It holds the street's settings (``settings_class()`` when the street has none), the
environment the secrets come from and one ``JsonApi`` client; ``base_url()`` is where the
provider is (``endpoint_of``: the street's local fake for ``endpoint = "fake"``). A subclass
adds ``name``/``address``/``title`` and ``send``, and ``poll`` where the provider has receipts."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, ClassVar

from jiedao.core.notify.channels import Message, Receipt, endpoint_of
from jiedao.core.notify.http import JsonApi


class JsonApiChannel:
    """The settings, environment and HTTP client a JSON-API channel needs."""

    provider: ClassVar[str]
    """The fake provider's name (``dingtalk``), also where ``endpoint = "fake"`` points."""
    provider_title: ClassVar[str]
    """The provider's name in details (``DingTalk did not answer in time``)."""
    settings_class: ClassVar[type]
    default_endpoint: ClassVar[str]
    transient: ClassVar[Collection[int]] = ()
    """The provider's errcodes that mean "try again later"."""

    def __init__(self, settings: Any, environ: Mapping[str, str]) -> None:
        self.settings = settings or self.settings_class()
        self.environ = environ
        self.api = JsonApi(self.provider_title, self.settings.timeout, self.transient)

    def base_url(self) -> str:
        """The provider's base URL for this street (no trailing ``/``)."""
        return endpoint_of(self.settings.endpoint, self.default_endpoint, self.environ, self.provider)

    async def poll(self, message: Message, provider_id: str) -> Receipt | None:
        """No receipts unless the subclass asks the provider: always None."""
        return None

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self.api.aclose()
