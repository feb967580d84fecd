"""The pages of the notification loop.

- ``/notify/ack/{street}/{token}``: the link in every alert message. It shows what happened
  and where, and who already acknowledged; a POST with the outcome (real danger, false
  alarm, visited, nobody home) acknowledges the alert for the person the message went to.
  The token is the credential: 32 random bytes, stored only as a SHA-256 digest.
- ``/dev/outbox/{street}``: what the local fake providers received — every message and call
  that would have gone out, with whether its signature verified. Only with fake providers
  enabled (the demo, the tests); 404 otherwise.
- ``/dev/providers/{street}/{provider}/…``: the fake providers themselves (channel plugins'
  ``register.fake_provider``), under the same condition.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from jiedao.core import clock
from jiedao.core.events import street_transaction
from jiedao.core.notify.alerts import acknowledge_alert
from jiedao.core.notify.events import ACK_OUTCOMES
from jiedao.core.notify.models import Alert, OutboxMessage
from jiedao.core.notify.outbox import link_digest
from jiedao.core.notify.runtime import runtime

OUTCOME_WORDS = {
    "REAL_DANGER": "确有险情 Real danger",
    "FALSE_ALARM": "误报 False alarm",
    "VISITED": "已上门查看 Visited",
    "NOBODY_HOME": "无人在家 Nobody home",
}
STYLE = "body{font-family:sans-serif;max-width:36em;margin:1em auto;padding:0 1em;line-height:1.5}pre{white-space:pre-wrap;background:#f4f4f4;padding:.6em}button{font-size:1.1em;margin:.3em 0;width:100%;padding:.6em}"


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    page = f"<!doctype html><html lang=zh><meta charset=utf-8><meta name=viewport content='width=device-width'><title>{html.escape(title)}</title><style>{STYLE}</style><h1>{html.escape(title)}</h1>{body}</html>"
    return HTMLResponse(page, status_code=status, headers={"cache-control": "no-store", "referrer-policy": "no-referrer"})


async def _message_and_alert(kernel, street: str, token: str):
    async with street_transaction(kernel, street) as session:
        message = await session.scalar(select(OutboxMessage).where(OutboxMessage.link_digest == link_digest(token)))
        alert = await session.get(Alert, message.alert_id) if message is not None and message.alert_id else None
        return message, alert


async def acknowledge_page(request: Request) -> Response:
    """Show the alert behind a link; POST acknowledges it with an outcome."""
    kernel = request.app.state.kernel
    street, token = request.path_params["street"], request.path_params["token"]
    if street not in kernel.config.streets or len(token) > 64:
        return _page("链接无效 Invalid link", "<p>This link is not valid.</p>", 404)
    message, alert = await _message_and_alert(kernel, street, token)
    if message is None or alert is None:
        return _page("链接无效 Invalid link", "<p>This link is not valid.</p>", 404)
    if request.method == "POST":
        body = await request.body()
        if len(body) > 4096:
            return _page("请求过大 Too large", "<p>The form is too large.</p>", 413)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        outcome = str(form.get("outcome", ""))
        if outcome not in ACK_OUTCOMES:
            return _page("请选择处置结果 Choose an outcome", f"<p>outcome: expected one of {', '.join(ACK_OUTCOMES)}.</p>", 400)
        note = str(form.get("note", ""))[:300].replace("\x00", "")
        by = f"{message.recipient_name} ({message.recipient_kind}, {message.channel})"[:100]
        async with street_transaction(kernel, street) as session:
            done = await acknowledge_alert(session, alert.subject, by, outcome, note=note, from_notification=True)
        if done is not None:
            return _page("已确认 Acknowledged", f"<p>{html.escape(alert.title)}</p><p>确认人 By: {html.escape(by)}<br>结果 Outcome: {html.escape(OUTCOME_WORDS[outcome])}</p>")
        message, alert = await _message_and_alert(kernel, street, token)
    if alert.acknowledged_at is not None:
        when = alert.acknowledged_at.astimezone(clock.CHINA).strftime("%Y-%m-%d %H:%M")
        body = f"<pre>{html.escape(message.text)}</pre><p>已由 {html.escape(alert.acknowledged_by or '')} 于 {when} 确认（{html.escape(OUTCOME_WORDS.get(alert.outcome or '', alert.outcome or ''))}）。<br>Already acknowledged.</p>"
        return _page(alert.title, body)
    if alert.closed_at is not None:
        return _page(alert.title, f"<pre>{html.escape(message.text)}</pre><p>已处置完毕 Already handled.</p>")
    buttons = "".join(f"<button name=outcome value={o}>{html.escape(OUTCOME_WORDS[o])}</button>" for o in ACK_OUTCOMES)
    body = f"<pre>{html.escape(message.text)}</pre><form method=post><label>备注 Note <input name=note maxlength=300></label>{buttons}</form>"
    return _page(alert.title, body)


async def outbox_page(request: Request) -> Response:
    """What the fake providers received for a street (demo and tests only)."""
    kernel = request.app.state.kernel
    notify = runtime(kernel)
    street = request.path_params["street"]
    if not notify.fakes_enabled or street not in kernel.config.streets:
        return PlainTextResponse("Not Found", status_code=404)
    rows = []
    for d in reversed(notify.recorder.for_street(street)):
        mark = "✔ verified" if d.verified else f"✘ {html.escape(d.detail)}"
        when = d.at.astimezone(clock.CHINA).strftime("%m-%d %H:%M:%S") if d.at else ""
        rows.append(f"<tr><td>{when}<td>{html.escape(d.provider)}<td>{html.escape(d.channel)}<td>{html.escape(d.to)}<td><pre>{html.escape(d.text)}</pre><td>{mark}")
    table = "<table border=1 cellpadding=4><tr><th>time<th>provider<th>channel<th>to<th>message<th>signature" + "".join(rows) + "</table>" if rows else "<p>Nothing sent yet.</p>"
    return _page(f"{street}: outbox (fake providers)", f"<p>Messages and calls that would have gone out, newest first.</p>{table}")


class FakeProviders:
    """ASGI app under ``/dev/providers``: dispatches to each street's fake provider apps,
    built on first use from the channel plugins' ``register.fake_provider``."""

    def __init__(self) -> None:
        self._apps: dict[tuple[str, str], object] = {}

    async def __call__(self, scope, receive, send) -> None:
        kernel = scope["app"].state.kernel
        notify = runtime(kernel)
        parts = scope["path"].split("/dev/providers/", 1)[-1].split("/", 2)
        if not notify.fakes_enabled or len(parts) < 2 or parts[0] not in kernel.config.streets:
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        street, provider = parts[0], parts[1]
        app = self._apps.get((street, provider))
        if app is None:
            for plugin, name, factory in kernel.contributions.fake_providers:
                if name == provider and plugin in {"core", *kernel.enabled_plugins(street)}:
                    settings = kernel.config.streets[street].settings.get(plugin)
                    app = self._apps[(street, provider)] = factory(notify.recorder, street, settings, notify.environ)
                    break
        if app is None:
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        # like Starlette's Mount: the path stays whole (signatures cover it), root_path says where the app sits
        prefix = scope["path"][: scope["path"].index(f"/dev/providers/{street}/{provider}") + len(f"/dev/providers/{street}/{provider}")]
        await app({**scope, "root_path": prefix}, receive, send)


ROUTES = (
    Route("/notify/ack/{street}/{token}", acknowledge_page, methods=["GET", "POST"]),
    Route("/dev/outbox/{street}", outbox_page),
    Mount("/dev/providers", app=FakeProviders()),
)
