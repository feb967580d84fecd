"""The one way to write a mutation: ``@mutation(Payload, permission=..., audit=...)``.

A mutation is a plain ``async def`` taking a ``Write`` and its ``input``; the runner does
everything around it, the same way for every plugin:

1. checks the caller's permission (declared, never inside the work);
2. decodes every input field declared with ``node_id("Type")`` and checks that the row is
   in the caller's street (``NOT_FOUND`` naming the field otherwise) — the work sees the
   primary key (``int``), or a list of them;
3. runs the work in the street's transaction and commits;
4. turns ``DomainError`` into a ``UserError`` with its code and field, and a lost race on a
   unique constraint (``IntegrityError``) into ``CONFLICT``;
5. appends the audit entry (``audit="plugin.thing.done"``) with the global ID of the
   target (the result, unless the work names another with ``w.audit(target=...)``);
6. after the commit, publishes the events the work emitted (``w.emit(...)``, or kernel
   services through ``core.events.defer(w.session, ...)``) and runs its
   ``w.after_commit(...)`` callbacks;
7. returns the payload: the work's result in the payload's result field (a dict for a
   payload of several fields) and ``errors: []``.

::

    TeamPayload = payload("VolunteerTeamPayload", team=TeamType)

    @strawberry.input
    class AddVolunteerInput:
        team_id: strawberry.ID = node_id("VolunteerTeam")
        resident_id: strawberry.ID = node_id("Resident")

    @strawberry.type
    class VolunteerMutation:
        @mutation(TeamPayload, permission="volunteer.service.manage", audit="volunteer.member.added")
        async def add_volunteer(w: Write, input: AddVolunteerInput):
            return await service.add_member(w.session, input.team_id, input.resident_id)
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable
from dataclasses import MISSING, dataclass, field
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.utils.str_converters import to_camel_case, to_snake_case

from jiedao.core.errors import DomainError
from jiedao.core.events import take_deferred
from jiedao.core.identity.audit import record_for
from jiedao.schema.errors import UserError, user_errors
from jiedao.schema.ids import decode_id_of, encode_global_id
from jiedao.schema.node import model_for
from jiedao.schema.permissions import IsAuthenticated, require

NODE_ID = "jiedao.node_id"
LOGGED_IN = "*"
"""``permission=LOGGED_IN``: any caller with a valid token in the street may run the mutation."""
INPUT_HELP = "The mutation's input: see its type."
"""The description of every mutation's ``input`` argument."""
CONFLICT_MESSAGE = "This was changed by someone else at the same moment; reload and try again."


def node_id(type_name: str, *, description: str | None = None, default: Any = MISSING) -> Any:
    """Declare an input field that holds the global ID of a ``type_name`` (or a list of them).

    The runner decodes it, checks the row exists in the caller's street and hands the
    work its primary key; an ID of another type, street or a missing row is answered
    ``INVALID_ID`` / ``NOT_FOUND`` naming the field.
    """
    kwargs: dict[str, Any] = {"metadata": {NODE_ID: type_name}, "description": description}
    if default is not MISSING:
        kwargs["default"] = default
    return strawberry.field(**kwargs)



_ID_INPUTS: dict[str, type] = {}


def id_input(type_name: str, field: str | None = None) -> type:
    """The input ``<type_name>IdInput`` holding one ``node_id`` field, ``<type_name>_id`` in
    snake case unless ``field`` names it (``id_input("Ballot")`` → ``BallotIdInput.ballot_id``).

    The input of a mutation that acts on one row, and the base of the inputs that act on one
    row and say more (``class CastVoteInput(BallotIdInput): choice: ChoiceEnum``): the ID
    comes first, as in every input of the kind. One class per name."""
    name = f"{type_name}IdInput"
    if name not in _ID_INPUTS:
        field = field or to_snake_case(type_name) + "_id"
        namespace = {
            "__annotations__": {field: strawberry.ID},
            field: node_id(type_name, description=f"Global ID of the {type_name}."),
            "__module__": __name__,
        }
        namespace["__doc__"] = f"Names one {type_name} by its global ID."
        _ID_INPUTS[name] = strawberry.input(type(name, (), namespace), description=namespace["__doc__"])
    return _ID_INPUTS[name]


_PAYLOADS: dict[str, type] = {}


@dataclass(frozen=True)
class Many:
    """A payload field holding a non-null list of ``of`` (``[T!]!``), empty when refused."""

    of: Any
    description: str | None = None


def many(of: Any, description: str | None = None) -> Many:
    """``payload(..., votes=many(VoteRecord, "One per owner group."))``: a result field of type
    ``[VoteRecord!]!`` that is ``[]`` when the mutation was refused."""
    return Many(of, description)


def _graphql_name(kind: Any) -> str:
    """The GraphQL name of the type ``kind`` (its class name when it is not a strawberry type)."""
    definition = getattr(kind, "__strawberry_definition__", None)
    return getattr(definition, "name", None) or getattr(kind, "__name__", str(kind))


def _result_field(kind: Any) -> tuple[Any, Any, Any]:
    """(annotation, strawberry field or default, the type the runner reads) of one result;
    a list or object result declared without a description gets one that says when it is empty."""
    if isinstance(kind, Many):
        description = kind.description or f"The {_graphql_name(kind.of)} items the mutation acted on; empty when it was refused (see `errors`)."
        return list[kind.of], strawberry.field(default_factory=list, description=description), list[kind.of]
    if isinstance(kind, tuple):
        annotation, default, *description = kind
        value = strawberry.field(default=default, description=description[0]) if description else default
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return annotation, value, members[0] if len(members) == 1 else annotation
    if getattr(kind, "__strawberry_definition__", None) is None:  # a scalar: say what it is with a tuple
        return typing.Optional[kind], None, kind  # noqa: UP045 - built at run time
    description = f"The {_graphql_name(kind)} the mutation acted on; null when it was refused (see `errors`)."
    return typing.Optional[kind], strawberry.field(default=None, description=description), kind  # noqa: UP045 - built at run time


def payload(name: str, description: str | None = None, **results: Any) -> type:
    """The payload type ``name``: one field per result and ``errors: [UserError!]!``.

    ``alarm=AlarmType`` is a nullable field (null when the mutation was refused);
    ``revoked=(int, 0)`` is a field of exactly that type with that default, and
    ``(int | None, None, "what it means")`` adds the field's description;
    ``votes=many(VoteRecord, "what it means")`` is a non-null list, ``[]`` when refused.
    ``description`` is the type's description (and the class's docstring); results without
    one say when they are empty. Declaring the same name twice returns the first type."""
    if name in _PAYLOADS:
        return _PAYLOADS[name]
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    read: list[tuple[str, Any]] = []
    for key, kind in results.items():
        annotations[key], namespace[key], runner_type = _result_field(kind)
        read.append((key, runner_type))
    annotations["errors"] = list[UserError]
    namespace["errors"] = strawberry.field(default_factory=list, description="Why the mutation was refused; empty when it succeeded.")
    namespace["__annotations__"] = annotations
    fields = ", ".join(f"`{to_camel_case(key)}`" for key in results)
    namespace["__doc__"] = description or (
        f"What the mutation returns: {fields} when it succeeded, or `errors` saying why it was refused." if results else "What the mutation returns: `errors` saying why it was refused, empty when it succeeded."
    )
    cls = strawberry.type(type(name, (), namespace), name=name, description=namespace["__doc__"])
    cls.__jiedao_results__ = tuple(read)
    _PAYLOADS[name] = cls
    return cls


@dataclass
class Write:
    """What a mutation's work receives: the transaction's session, the caller, and ways to
    name the audit target and to act after the commit."""

    ctx: Any
    session: AsyncSession | None = None
    events: list[Any] = field(default_factory=list)
    callbacks: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    target: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def user(self):
        """The calling account (``None`` for anonymous callers of public mutations)."""
        return self.ctx.user

    @property
    def kernel(self):
        return self.ctx.kernel

    @property
    def street(self) -> str:
        return self.ctx.street

    @property
    def street_id(self) -> int:
        return self.ctx.street_id

    def audit(self, target: str | None = None, **details: Any) -> None:
        """Name the audit entry's target (a global ID) and add details to it."""
        if target is not None:
            self.target = target
        self.details.update(details)

    def emit(self, event: Any) -> None:
        """Publish ``event`` (a domain event) once the transaction has committed."""
        self.events.append(event)

    def after_commit(self, callback: Callable[[], Awaitable[Any]]) -> None:
        """Run ``await callback()`` once the transaction has committed."""
        self.callbacks.append(callback)


def _input_fields(value: Any):
    definition = getattr(type(value), "__strawberry_definition__", None)
    return definition.fields if definition is not None and getattr(definition, "is_input", False) else ()


async def decode_node_ids(session: AsyncSession, value: Any, path: str = "") -> None:
    """Replace every ``node_id`` field of the input ``value`` (recursively) by the primary
    key it names, checking each row is visible in the session's street."""
    for f in _input_fields(value):
        current = getattr(value, f.python_name)
        if current is None or current is strawberry.UNSET:
            continue
        name = f.graphql_name or to_camel_case(f.python_name)
        type_name = f.metadata.get(NODE_ID) if f.metadata else None
        if type_name is None:
            if isinstance(current, list):
                for index, item in enumerate(current):
                    await decode_node_ids(session, item, f"{path}{name}[{index}].")
            else:
                await decode_node_ids(session, current, f"{path}{name}.")
            continue
        many = isinstance(current, list)
        pks = [decode_id_of(v, type_name, f"{path}{name}") for v in (current if many else [current])]
        model = model_for(type_name)
        if model is not None and pks:
            found = set((await session.scalars(select(model.id).where(model.id.in_(pks)))).all())
            if missing := [pk for pk in pks if pk not in found]:
                raise DomainError(
                    "No {type} with the ID {id} in this street.",
                    code="NOT_FOUND",
                    field=f"{path}{name}",
                    type=type_name,
                    id=encode_global_id(type_name, missing[0]),
                )
        setattr(value, f.python_name, pks if many else pks[0])


def _result_fields(payload_type: type, result: Any) -> dict[str, Any]:
    results = payload_type.__jiedao_results__
    if len(results) == 1:
        return {results[0][0]: result}
    if not isinstance(result, dict):
        raise TypeError(f"a mutation returning {payload_type.__name__} must return a dict of {[k for k, _ in results]}")
    return result


def _target_of(payload_type: type, values: dict[str, Any]) -> str:
    for key, kind in payload_type.__jiedao_results__:
        row = values.get(key)
        definition = getattr(kind, "__strawberry_definition__", None)
        if row is not None and definition is not None and hasattr(row, "id"):
            return encode_global_id(definition.name, row.id)
    return ""


async def run_mutation(info: strawberry.Info, payload_type: type, work, input: Any, audit: str | None, transaction: bool = True):
    """Run one mutation's ``work`` the one way (see the module's docstring).

    ``transaction=False`` is for the few kernel mutations that open their own transactions
    on purpose (log-in counts attempts in committed transactions of its own): the work gets
    no ``w.session``, and the request holds no database connection while it runs — an earlier
    mutation field's answer may have read through the request's session (mutation fields run
    one after another, so nothing else is using it): it is ended first, else the request
    would hold one pooled connection while waiting for another."""
    ctx = info.context
    write = Write(ctx)

    async def run(session: AsyncSession):
        write.session = session
        take_deferred(session)  # nothing left over from a refused mutation of the same request
        if input is not None:
            await decode_node_ids(session, input)
        result = await (work(write, input) if input is not None else work(write))
        values = _result_fields(payload_type, result)
        write.events.extend(take_deferred(session))
        if audit:
            target = write.target if write.target is not None else _target_of(payload_type, values)
            await record_for(ctx, session, audit, target, write.details or None)
        return values

    try:
        if transaction:
            values = await ctx.write(run)
        else:
            await ctx.fresh()
            values = _result_fields(payload_type, await (work(write, input) if input is not None else work(write)))
    except DomainError as error:
        return payload_type(errors=user_errors(error), **getattr(error, "payload", {}))
    except IntegrityError:
        return payload_type(errors=[UserError(field=None, template=CONFLICT_MESSAGE, code="CONFLICT")])
    for event in write.events:
        await ctx.kernel.events.publish(ctx.street, event)
    for callback in write.callbacks:
        await callback()
    return payload_type(**values, errors=[])


def mutation(
    payload_type: type,
    *,
    permission: str | list,
    audit: str | None = None,
    description: str | None = None,
    deprecation_reason: str | None = None,
    transaction: bool = True,
):
    """Declare a mutation run by the one runner. ``permission`` names the permission the
    caller needs; ``LOGGED_IN`` asks only for a valid token; ``public("why")`` lets anonymous
    callers run it, a deliberate choice that says why (``None`` is refused: no default is public)."""

    def decorate(work):
        if permission is None or (isinstance(permission, list) and not permission):
            raise TypeError(
                f"@mutation {work.__module__}.{work.__name__}: permission=None is not allowed; name the permission, "
                'LOGGED_IN, or public("why anonymous callers may run it")'
            )
        hints = typing.get_type_hints(work, globalns=work.__globals__)
        parameters = list(inspect.signature(work).parameters)
        input_type = hints.get(parameters[1]) if len(parameters) > 1 else None

        async def resolver(self, info: strawberry.Info, **arguments: Any):
            return await run_mutation(info, payload_type, work, arguments.get("input"), audit, transaction)

        signature = [
            inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            inspect.Parameter("info", inspect.Parameter.KEYWORD_ONLY, annotation=strawberry.Info),
        ]
        input_argument = Annotated[input_type, strawberry.argument(description=INPUT_HELP)] if input_type is not None else None
        if input_type is not None:
            signature.append(inspect.Parameter("input", inspect.Parameter.KEYWORD_ONLY, annotation=input_argument))
        resolver.__signature__ = inspect.Signature(signature, return_annotation=payload_type)
        resolver.__annotations__ = {"info": strawberry.Info, "return": payload_type, **({"input": input_argument} if input_type else {})}
        resolver.__name__ = resolver.__qualname__ = work.__name__
        resolver.__module__ = work.__module__
        resolver.__doc__ = work.__doc__
        permissions = list(permission) if isinstance(permission, list) else [IsAuthenticated] if permission == LOGGED_IN else [IsAuthenticated, require(permission)]
        return strawberry.mutation(
            resolver=resolver,
            description=description or inspect.getdoc(work),
            permission_classes=permissions,
            deprecation_reason=deprecation_reason,
        )

    return decorate

