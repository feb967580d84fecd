"""Hooks of the hello test plugin: its declaration (PLUGIN: settings, permissions, the greetings
table; migrations/ found by convention) and hooks for code only."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncGenerator

import click
import strawberry
from pydantic import BaseModel
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from jiedao.api import (
    public,
    allow,
    Base,
    children,
    DomainError,
    hookimpl,
    mutation,
    Node,
    node_id,
    node_type,
    payload,
    PluginInfo,
    StreetScoped,
    Write,
)
from jiedao.schema.permissions import IsAuthenticated


class HelloSettings(BaseModel):
    model_config = {"extra": "forbid"}
    greeting: str = "你好"
    max_length: int = 40


class Greeting(StreetScoped, Base):
    __tablename__ = "hello_greetings"
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    text: Mapped[str] = mapped_column(String(100))


PLUGIN = PluginInfo(
    name="hello",
    version="0.0.1",
    title="Hello (test plugin)",
    settings=HelloSettings,
    permissions={"hello.greet": "Add greetings"},
    grants={"community_worker": ["hello.greet"]},
    models=(Greeting,),
)


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
    @strawberry.field(description="Echoes an enum, to prove enums survive per-street schemas.", permission_classes=public("a test of enums, asked anonymously"))
    def mood(self, mood: Mood = Mood.HAPPY) -> Mood:
        assert isinstance(mood, Mood)
        return mood

    @strawberry.field(permission_classes=public("a test of per-street settings, asked anonymously"))
    def hello(self, info: strawberry.Info, name: str) -> str:
        settings = info.context.kernel.settings(info.context.street, "hello")
        return f"{settings.greeting}, {name}"

    @strawberry.field(description="Fails unexpectedly, to prove failures are masked.", permission_classes=public("a test of error masking, asked anonymously"))
    def boom(self) -> str:
        raise RuntimeError("SELECT password_hash FROM users -- must never reach a client")


@strawberry.input
class AddGreetingInput:
    building_id: strawberry.ID = node_id("Building")
    text: str


@strawberry.type
class HelloMutation:
    @mutation(payload("AddGreetingPayload", greeting=GreetingType), permission="hello.greet")
    async def add_greeting(w: Write, input: AddGreetingInput):
        settings = w.kernel.settings(w.street, "hello")
        if len(input.text) > settings.max_length:
            raise DomainError(f"at most {settings.max_length} characters", field="text", code="TOO_LONG")
        greeting = Greeting(building_id=input.building_id, text=input.text)
        w.session.add(greeting)
        return greeting


@strawberry.type
class BuildingGreetings:
    @strawberry.field(permission_classes=allow("core.registry.read"))
    async def greetings(self, info: strawberry.Info) -> list[GreetingType]:
        return await children(info.context, Greeting.building_id).load(self.id)


@strawberry.type
class HelloSubscription:
    @strawberry.subscription(description="Counts from 1 to count.", permission_classes=public("a test of subscriptions, asked anonymously"))
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
