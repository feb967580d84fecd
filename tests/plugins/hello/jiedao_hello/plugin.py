"""Hooks of the hello test plugin."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncGenerator
from pathlib import Path

import click
import strawberry
from pydantic import BaseModel
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, StreetScoped
from core.errors import DomainError
from core.hookspecs import hookimpl
from core.plugins import PluginInfo
from schema.errors import UserError, user_errors
from schema.ids import decode_id_of
from schema.loaders import children
from schema.node import Node, node_type
from schema.permissions import IsAuthenticated, allow


class HelloSettings(BaseModel):
    model_config = {"extra": "forbid"}
    greeting: str = "你好"
    max_length: int = 40


PLUGIN = PluginInfo(name="hello", version="0.0.1", title="Hello (test plugin)", settings=HelloSettings)


class Greeting(StreetScoped, Base):
    __tablename__ = "hello_greetings"
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    text: Mapped[str] = mapped_column(String(100))


@node_type(Greeting)  # declares no read rule: node(id:) never returns a greeting
@strawberry.type
class GreetingType(Node):
    text: str


@strawberry.enum
class Mood(enum.Enum):
    HAPPY = "happy"
    GRUMPY = "grumpy"


@strawberry.type
class HelloQuery:
    @strawberry.field(description="Echoes an enum, to prove enums survive per-street schemas.")
    def mood(self, mood: Mood = Mood.HAPPY) -> Mood:
        assert isinstance(mood, Mood)
        return mood

    @strawberry.field
    def hello(self, info: strawberry.Info, name: str) -> str:
        settings = info.context.kernel.settings(info.context.street, "hello")
        return f"{settings.greeting}, {name}"

    @strawberry.field(description="Fails unexpectedly, to prove failures are masked.")
    def boom(self) -> str:
        raise RuntimeError("SELECT password_hash FROM users -- must never reach a client")


@strawberry.input
class AddGreetingInput:
    building_id: strawberry.ID
    text: str


@strawberry.type
class AddGreetingPayload:
    greeting: GreetingType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class HelloMutation:
    @strawberry.mutation(permission_classes=allow("hello.greet"))
    async def add_greeting(self, info: strawberry.Info, input: AddGreetingInput) -> AddGreetingPayload:
        ctx = info.context
        settings = ctx.kernel.settings(ctx.street, "hello")
        try:
            if len(input.text) > settings.max_length:
                raise DomainError(f"at most {settings.max_length} characters", field="text", code="TOO_LONG")
            building_id = decode_id_of(input.building_id, "Building", "buildingId")

            async def add(session):
                from core.models import Building

                if await session.scalar(select(Building.id).where(Building.id == building_id)) is None:
                    raise DomainError("no such building", field="buildingId", code="NOT_FOUND")
                greeting = Greeting(building_id=building_id, text=input.text)
                session.add(greeting)
                return greeting

            greeting = await ctx.write(add)
        except DomainError as error:
            return AddGreetingPayload(errors=user_errors(error))
        return AddGreetingPayload(greeting=greeting)


@strawberry.type
class BuildingGreetings:
    @strawberry.field(permission_classes=allow("core.registry.read"))
    async def greetings(self, info: strawberry.Info) -> list[GreetingType]:
        return await children(info.context, Greeting.building_id).load(self.id)


@strawberry.type
class HelloSubscription:
    @strawberry.subscription(description="Counts from 1 to count.")
    async def ticks(self, count: int) -> AsyncGenerator[int, None]:
        for tick in range(1, count + 1):
            yield tick


    @strawberry.subscription(description="Who is listening, for logged-in callers only.", permission_classes=[IsAuthenticated])
    async def whoami(self, info: strawberry.Info) -> AsyncGenerator[str, None]:
        yield info.context.user.username


BACKGROUND_LOG: list[str] = []


async def heartbeat(kernel) -> None:
    """Background work: records that it started and that it was cancelled on shutdown."""
    BACKGROUND_LOG.append("started")
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        BACKGROUND_LOG.append("stopped")
        raise


@click.command("hello")
@click.argument("name")
def hello_command(name: str) -> None:
    """Greet NAME (proves plugins can add CLI commands)."""
    click.echo(f"hello from a plugin, {name}")


@hookimpl
def jiedao_models(register):
    """The greetings table."""
    register.models(Greeting)


@hookimpl
def jiedao_migrations(register):
    """The plugin's own Alembic branch."""
    register.migrations(Path(__file__).parent / "migrations")


@hookimpl
def jiedao_permissions(register):
    """Who may greet."""
    register.permissions({"hello.greet": "Add greetings"}, grants={"community_worker": ["hello.greet"]})


@hookimpl
async def jiedao_schema(register):
    """A query, a mutation and a field on Building (async, to prove hooks are awaited)."""
    register.query(HelloQuery)
    register.mutation(HelloMutation)
    register.extend("Building", BuildingGreetings)
    register.subscription(HelloSubscription)


@hookimpl
def jiedao_background(register):
    """A long-running task for the lifetime of the server."""
    register.background(heartbeat)


@hookimpl
def jiedao_cli(register):
    """The ``jiedao hello NAME`` command."""
    register.cli(hello_command)
