"""Permission classes: declare who may read a field or run a mutation, next to its definition."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import strawberry
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.permission import BasePermission

from jiedao.core.messages import format_message


class NotAuthenticated(PermissionError):
    """No valid credentials were sent."""


class Forbidden(PermissionError):
    """The caller is known but lacks the permission."""


class PermissionRefused(StrawberryGraphQLError):
    """A permission class refused the field: an English template with its params, rendered in
    the request's language when it reaches the client (``schema.localise``)."""

    def __init__(self, template: str, params: Mapping[str, Any], extensions: Mapping[str, Any]):
        super().__init__(format_message(template, params), extensions=dict(extensions))
        self.template = template
        self.params = dict(params)


class Refusal(BasePermission):
    """A permission class whose ``message`` is a catalogue template filled from ``params``
    (class attributes); subclass it instead of ``BasePermission`` so refusals are translated."""

    params: Mapping[str, Any] = {}
    caller_only: bool = False
    """Set it to ``True`` when ``has_permission`` looks at the caller only (``info.context``'s
    user, roles and permissions), never at the field's source or arguments: the field's
    check is then decided once per request, not once per row (``schema.caller_permissions``)."""

    def on_unauthorized(self) -> None:
        raise PermissionRefused(self.message or "", self.params, self.error_extensions or {})


class IsAuthenticated(Refusal):
    """The caller sent a valid token for this street."""

    message = "Log in first: send 'Authorization: Bearer <token>' obtained from the login mutation."
    error_extensions = {"code": "UNAUTHENTICATED"}
    caller_only = True

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return info.context.signed_in


def _refusal_class(name: str, allowed: Callable[[Any], bool], refusal: dict[str, Any]) -> type[BasePermission]:
    """A ``Refusal`` class named ``name`` admitting a request whose context passes ``allowed``;
    ``refusal`` holds its ``message`` template, ``params``, ``error_extensions`` and ``caller_only``."""

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return allowed(info.context)

    return type(name, (Refusal,), {**refusal, "has_permission": has_permission})


@cache
def require(permission: str) -> type[BasePermission]:
    """The permission class granting access to callers whose roles hold ``permission``."""
    return _refusal_class(f"Require[{permission}]", lambda context: context.has_permission(permission), {
        "message": "You lack the permission '{permission}' in this street.",
        "params": {"permission": permission},
        "error_extensions": {"code": "FORBIDDEN", "permission": permission},
        "caller_only": True,
    })


def allow(permission: str) -> list[type[BasePermission]]:
    """``permission_classes`` for a field: logged in, and holding ``permission``."""
    return [IsAuthenticated, require(permission)]


@cache
def require_any(*permissions: str) -> type[BasePermission]:
    """The permission class granting access to callers holding any of ``permissions``."""
    names = ", ".join(f"'{p}'" for p in permissions)
    return _refusal_class(f"RequireAny[{', '.join(permissions)}]", lambda context: any(context.has_permission(p) for p in permissions), {
        "message": "You lack every one of the permissions {permissions} in this street.",
        "params": {"permissions": names},
        "error_extensions": {"code": "FORBIDDEN", "permission": permissions[0]},
        "caller_only": True,
    })


def allow_any(*permissions: str) -> list[type[BasePermission]]:
    """``permission_classes`` for a field: logged in, and holding any of ``permissions``."""
    return [IsAuthenticated, require_any(*permissions)]


@cache
def require_role(role: str) -> type[BasePermission]:
    """The permission class granting access to callers holding ``role`` itself (not a permission
    its grants give): for the few fields a role, not a street's permission, opens, such as the
    platform administrator's figures across every cell."""
    return _refusal_class(f"RequireRole[{role}]", lambda context: role in context.roles, {
        "message": "Only the role '{role}' may read this.",
        "params": {"role": role},
        "error_extensions": {"code": "FORBIDDEN", "role": role},
        "caller_only": True,
    })


def allow_role(role: str) -> list[type[BasePermission]]:
    """``permission_classes`` for a field: logged in, and holding ``role``."""
    return [IsAuthenticated, require_role(role)]


class Public(BasePermission):
    """Marks a root field anyone may call, logged in or not (see ``public``)."""

    message = ""
    caller_only = True

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return True


def public(reason: str) -> list[type[BasePermission]]:
    """``permission_classes`` of a root field open to anonymous callers, saying why.

    Every field of Query, Mutation and Subscription must declare who may call it: ``allow(...)``
    or ``public("why")``; the kernel refuses to start otherwise (``core.compose``)."""
    if not reason.strip():
        raise ValueError("public() needs the reason anonymous callers may use the field")
    return [Public]
