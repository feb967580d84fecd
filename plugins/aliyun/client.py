"""Building the official SDK clients: endpoint (with a path prefix for the fake), keys, no retries, timeouts.

The SDK's ``Config(endpoint=...)`` takes a host: it sends ``endpoint`` as the ``Host`` header,
signs the path ``/`` and builds the URL as ``protocol://endpoint/``. A base URL with a path
(the street's fake provider at ``http://127.0.0.1:8000/dev/providers/changqing/aliyun``) would
only "work" by putting the path into the Host header, which is no valid Host and signs a path
the server never sees. Instead ``PrefixedClient`` keeps ``endpoint`` a plain ``host:port`` and
puts the prefix in front of the request's ``pathname`` (``Params.pathname``, ``/`` for every
RPC action), so the request line, the signed canonical URI and the URL all agree; for the real
endpoints the prefix is empty and nothing changes.

The SDK is imported when a client is first built (a channel's first message), not with the
plugin: it is a sixth of a process's start-up (~0.9 s of CPU), and API processes never send.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from jiedao.api.channels import endpoint_of
from jiedao.plugins.aliyun.settings import AliyunSettings

if TYPE_CHECKING:
    from alibabacloud_tea_openapi.client import Client as OpenApiClient
    from alibabacloud_tea_openapi.utils_models import Config

PROVIDER = "aliyun"
SMS_ENDPOINT = "dysmsapi.aliyuncs.com"
VOICE_ENDPOINT = "dyvmsapi.aliyuncs.com"


@dataclass(frozen=True)
class Target:
    """Where requests go, split the way the SDK wants it."""

    protocol: str
    host: str
    prefix: str


def target(settings: AliyunSettings, default: str, environ: Mapping[str, str]) -> Target:
    """The protocol, host and path prefix for one API (``default`` is its real endpoint)."""
    base = endpoint_of(settings.endpoint, default, environ, provider=PROVIDER)
    parts = urlsplit(base if "://" in base else f"https://{base}")
    return Target(parts.scheme or "https", parts.netloc, parts.path.rstrip("/"))


def credentials(settings: AliyunSettings, environ: Mapping[str, str]) -> tuple[str, str]:
    """The AccessKey id and secret from the environment variables the settings name."""
    return environ.get(settings.access_key_id_env, ""), environ.get(settings.access_key_secret_env, "")


def sdk_config(settings: AliyunSettings, where: Target, environ: Mapping[str, str]) -> Config:
    """The SDK configuration: keys, endpoint, timeouts in ms, and no retries of its own (the
    outbox retries with back-off and the same key, so a retry here would only hide failures)."""
    from alibabacloud_tea_openapi.utils_models import Config
    from darabonba.policy.retry import RetryOptions

    key_id, secret = credentials(settings, environ)
    milliseconds = int(settings.timeout * 1000)
    return Config(
        access_key_id=key_id or "missing",
        access_key_secret=secret or "missing",
        endpoint=where.host,
        protocol=where.protocol,
        region_id="cn-hangzhou",
        connect_timeout=milliseconds,
        read_timeout=milliseconds,
        retry_options=RetryOptions(retryable=False),
    )


def prefixed(client_class: type[OpenApiClient], prefix: str) -> type[OpenApiClient]:
    """``client_class`` sending every request under ``prefix`` (unchanged when it is empty)."""
    if not prefix:
        return client_class

    class PrefixedClient(client_class):
        """The SDK client with ``prefix`` in front of each action's path (see the module docstring)."""

        async def call_api_async(self, params, request, runtime):
            params.pathname = prefix + (params.pathname or "/")
            return await super().call_api_async(params, request, runtime)

    return PrefixedClient


def build(client_class: type[OpenApiClient], settings: AliyunSettings, default: str, environ: Mapping[str, str]) -> OpenApiClient:
    """An SDK client of ``client_class`` for the API whose real endpoint is ``default``."""
    where = target(settings, default, environ)
    return prefixed(client_class, where.prefix)(sdk_config(settings, where, environ))
