"""WeCom's local stand-in (the fake provider ``wecom``), checking requests as WeCom does.

- ``POST /cgi-bin/webhook/send?key=``: the key must be the configured robot key;
- ``GET /cgi-bin/gettoken?corpid=&corpsecret=``: both must be the application's; the token it
  issues expires after ``expires_in`` seconds (``expire_tokens()`` ends them all early);
- ``POST /cgi-bin/message/send?access_token=``: the token must be one this fake issued and not
  expired, ``agentid`` the application's.

The secrets are read from the same environment variables the channels read. Every message
and every refused request is recorded as a ``FakeDelivery`` (``verified=False`` with the reason
for refusals) and answered with WeCom's JSON (``errcode``/``errmsg``). A user for whom
``recorder.answer(userid, "FAILED")`` was called is unknown to WeCom (errcode 81013).
``recorder.fail_next("wecom", n, how)``: ``"500"`` answers HTTP 500, ``"timeout"`` answers only
after the channel's timeout, ``"throttled"`` answers 45009 (api freq out of limit).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from jiedao.api.channels import FAILED, FakeRecorder, ProviderFake, json_body, same
from jiedao.plugins.wecom.app import SEND
from jiedao.plugins.wecom.settings import WeComSettings

PROVIDER = "wecom"
TOKEN_LIFETIME = 7200


def refusal(errcode: int, errmsg: str) -> JSONResponse:
    """WeCom's answer to a refused call (HTTP 200 with a non-zero errcode)."""
    return JSONResponse({"errcode": errcode, "errmsg": errmsg})


class WeComFake(ProviderFake):
    """The fake's state: issued tokens, and the recorder it reports to."""

    provider = PROVIDER
    settings_class = WeComSettings

    async def _failure(self) -> Response | None:
        return await self.failure(refusal(45009, "api freq out of limit"))

    async def robot_send(self, request: Request) -> Response:
        """The group robot's webhook."""
        if (failed := await self._failure()) is not None:
            return failed
        body = await json_body(request)
        text = (body.get("markdown") or {}).get("content") or (body.get("text") or {}).get("content") or ""
        raw = {"body": body}
        if not same(request.query_params.get("key"), self.environ.get(self.settings.robot_key_env)):
            self.record("wecom_robot", "group", text, False, "errcode 93000: invalid webhook url", raw)
            return refusal(93000, "invalid webhook url, hint: [fake] key does not match")
        self.record("wecom_robot", "group", text, True, "webhook key verified", raw)
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def gettoken(self, request: Request) -> Response:
        """The application's access token for its corpid/corpsecret."""
        if (failed := await self._failure()) is not None:
            return failed
        query = request.query_params
        problem = None
        if not same(query.get("corpid"), self.environ.get(self.settings.corp_id_env)):
            problem = 40013, "invalid corpid"
        elif not same(query.get("corpsecret"), self.environ.get(self.settings.corp_secret_env)):
            problem = 40001, "invalid credential, access_token is invalid or not latest"
        if problem is not None:
            self.record("wecom_app", "", "", False, f"gettoken: errcode {problem[0]}: {problem[1]}", {"query": {"corpid": query.get("corpid", "")}})
            return refusal(*problem)
        token = self.tokens.issue(TOKEN_LIFETIME)
        return JSONResponse({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": TOKEN_LIFETIME})

    def _send_problem(self, token: str | None, body: Mapping[str, Any]) -> tuple[int, str] | None:
        if problem := self.tokens.problem(token, invalid=(40014, "invalid access_token"), expired=(42001, "access_token expired")):
            return problem
        if body.get("agentid") != self.settings.agent_id:
            return 40056, f"invalid agentid {body.get('agentid')!r}"
        return None

    async def message_send(self, request: Request) -> Response:
        """An application message to the listed users; answers the ``msgid``."""
        if (failed := await self._failure()) is not None:
            return failed
        body = await json_body(request)
        kind = body.get("msgtype", "")
        part = body.get(kind) or {}
        text = "\n".join(str(part.get(k, "")) for k in ("title", "description", "content") if part.get(k))
        to = str(body.get("touser", ""))
        problem = self._send_problem(request.query_params.get("access_token"), body)
        if problem is not None:
            self.record("wecom_app", to, text, False, f"errcode {problem[0]}: {problem[1]}", {"body": body})
            return refusal(*problem)
        users = [u for u in to.split("|") if u]
        if not users or all(self.recorder.answers.get(u) == FAILED for u in users):
            # authenticated, but nobody to deliver to: verified, and refused like WeCom does
            self.record("wecom_app", to, text, True, "errcode 81013: user & party & tag all invalid", {"body": body})
            return refusal(81013, "user & party & tag all invalid")
        msgid = secrets.token_urlsafe(24)
        invalid = "|".join(u for u in to.split("|") if self.recorder.answers.get(u) == FAILED)
        self.record("wecom_app", to, text, True, f"msgid {msgid}", {"body": body}, provider_id=msgid)
        return JSONResponse({"errcode": 0, "errmsg": "ok", "invaliduser": invalid, "invalidparty": "", "invalidtag": "", "unlicenseduser": "", "msgid": msgid})


def fake_wecom(recorder: FakeRecorder, street: str, settings: WeComSettings | None, environ: Mapping[str, str]) -> Starlette:
    """The fake provider's ASGI app; its state is ``app.state.fake`` (a ``WeComFake``)."""
    fake = WeComFake(recorder, street, settings, environ)
    return fake.app(
        Route("/cgi-bin/webhook/send", fake.robot_send, methods=["POST"]),
        Route("/cgi-bin/gettoken", fake.gettoken, methods=["GET"]),
        Route(SEND, fake.message_send, methods=["POST"]),
    )
