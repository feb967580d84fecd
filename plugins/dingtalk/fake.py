"""DingTalk's local stand-in (the fake provider ``dingtalk``), checking requests as DingTalk does.

- ``POST /robot/send``: ``access_token`` must be the configured robot token, ``timestamp``
  within one hour of now and ``sign`` the one recomputed from the robot secret;
- ``GET /gettoken``: ``appkey``/``appsecret`` must be the corp app's; the token it issues
  expires after ``expires_in`` seconds (``expire_tokens()`` ends them all early, for tests);
- ``POST /topapi/message/corpconversation/asyncsend_v2`` and ``.../getsendresult``: the
  ``access_token`` must be one this fake issued and not expired, ``agent_id`` the app's.

The secrets are read from the same environment variables the channels read. Every message
and every refused request is recorded as a ``FakeDelivery`` (``verified=False`` with the reason
for refusals), and answered with DingTalk's JSON (``errcode``/``errmsg``). A work notice's
recipient has read it once ``recorder.answer(userid, "READ")`` was called; ``"FAILED"`` makes
DingTalk list them as an invalid user. ``recorder.fail_next("dingtalk", n, how)``: ``"500"``
answers HTTP 500, ``"timeout"`` answers only after the channel's timeout, ``"throttled"``
answers DingTalk's rate-limit errcode (130101 for the robot, 90018 for the API).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from jiedao.api.channels import FAILED, READ, FakeRecorder, ProviderFake, json_body, same
from jiedao.plugins.dingtalk.signing import MAX_SKEW_MS, raw_signature
from jiedao.plugins.dingtalk.settings import DingTalkSettings
from jiedao.plugins.dingtalk.work import RESULT, SEND

PROVIDER = "dingtalk"
TOKEN_LIFETIME = 7200
FIRST_TASK_ID = 256271667526


def refusal(errcode: int, errmsg: str) -> JSONResponse:
    """DingTalk's answer to a refused call (HTTP 200 with a non-zero errcode)."""
    return JSONResponse({"errcode": errcode, "errmsg": errmsg, "request_id": secrets.token_hex(6)})


class DingTalkFake(ProviderFake):
    """The fake's state: issued tokens, sent tasks, and the recorder it reports to."""

    provider = PROVIDER
    settings_class = DingTalkSettings

    def __init__(self, recorder: FakeRecorder, street: str, settings: DingTalkSettings | None, environ: Mapping[str, str]) -> None:
        super().__init__(recorder, street, settings, environ)
        self.tasks: dict[int, tuple[int, list[str]]] = {}

    async def _failure(self, throttled_code: int) -> Response | None:
        return await self.failure(refusal(throttled_code, "send too fast, exceed 20 times per minute" if throttled_code == 130101 else "调用频率超过限制"))

    def _token_problem(self, token: str | None) -> tuple[int, str] | None:
        return self.tokens.problem(token, invalid=(40014, "不合法的access_token"), expired=(42001, "access_token超时"))

    async def robot_send(self, request: Request) -> Response:
        """The custom robot's webhook."""
        if (failed := await self._failure(130101)) is not None:
            return failed
        query = dict(request.query_params)
        body = await json_body(request)
        text = (body.get("markdown") or {}).get("text") or (body.get("text") or {}).get("content") or ""
        raw = {"query": query, "body": body}
        problem = self._robot_problem(query)
        if problem is not None:
            self.record("dingtalk_robot", "group", text, False, f"errcode {problem[0]}: {problem[1]}", raw)
            return refusal(*problem)
        self.record("dingtalk_robot", "group", text, True, "signature verified", raw)
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    def _robot_problem(self, query: Mapping[str, str]) -> tuple[int, str] | None:
        token, key = self.environ.get(self.settings.robot_token_env), self.environ.get(self.settings.robot_secret_env)
        if not same(query.get("access_token"), token):
            return 300001, "token is not exist"
        timestamp = query.get("timestamp", "")
        if not timestamp.isdigit() or abs(int(timestamp) - int(time.time() * 1000)) > MAX_SKEW_MS:
            return 310000, "invalid timestamp"
        if not key or not same(query.get("sign"), raw_signature(timestamp, key)):
            return 310000, "sign not match"
        return None

    async def gettoken(self, request: Request) -> Response:
        """The corp app's access token for its AppKey/AppSecret."""
        if (failed := await self._failure(90018)) is not None:
            return failed
        query = request.query_params
        key, app_secret = self.environ.get(self.settings.app_key_env), self.environ.get(self.settings.app_secret_env)
        if not key or query.get("appkey") != key or not same(query.get("appsecret"), app_secret):
            self.record("dingtalk_work", "", "", False, "gettoken: errcode 40089: 不合法的corpid或corpsecret", {"query": {"appkey": query.get("appkey", "")}})
            return refusal(40089, "不合法的corpid或corpsecret")
        token = self.tokens.issue(TOKEN_LIFETIME)
        return JSONResponse({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": TOKEN_LIFETIME})

    async def asyncsend(self, request: Request) -> Response:
        """A work notice to the listed users; answers the ``task_id``."""
        if (failed := await self._failure(90018)) is not None:
            return failed
        body = await json_body(request)
        msg = body.get("msg") or {}
        text = (msg.get("action_card") or {}).get("markdown") or (msg.get("markdown") or {}).get("text") or ""
        to = str(body.get("userid_list", ""))
        raw = {"body": body}
        problem = self._token_problem(request.query_params.get("access_token"))
        if problem is None and body.get("agent_id") != self.settings.agent_id:
            problem = 40035, f"不合法的参数: agent_id {body.get('agent_id')!r}"
        if problem is not None:
            self.record("dingtalk_work", to, text, False, f"errcode {problem[0]}: {problem[1]}", raw)
            return refusal(*problem)
        task_id = FIRST_TASK_ID + len(self.tasks)
        self.tasks[task_id] = (body["agent_id"], [u for u in to.split(",") if u])
        self.record("dingtalk_work", to, text, True, f"task_id {task_id}", raw, provider_id=str(task_id))
        return JSONResponse({"errcode": 0, "errmsg": "ok", "task_id": task_id, "request_id": secrets.token_hex(6)})

    async def getsendresult(self, request: Request) -> Response:
        """Who read, did not yet read, or cannot receive a task's notice."""
        if (failed := await self._failure(90018)) is not None:
            return failed
        body = await json_body(request)
        problem = self._token_problem(request.query_params.get("access_token"))
        task = self.tasks.get(body.get("task_id")) if problem is None else None
        if problem is None and (task is None or task[0] != body.get("agent_id")):
            problem = 40035, f"不合法的参数: task_id {body.get('task_id')!r}"
        if problem is not None:
            self.record("dingtalk_work", "", "", False, f"getsendresult: errcode {problem[0]}: {problem[1]}", {"body": body})
            return refusal(*problem)
        answers = {user: self.recorder.answers.get(user) for user in task[1]}
        result = {
            "read_user_id_list": [u for u, a in answers.items() if a == READ],
            "unread_user_id_list": [u for u, a in answers.items() if a not in (READ, FAILED)],
            "invalid_user_id_list": [u for u, a in answers.items() if a == FAILED],
            "forbidden_user_id_list": [],
            "failed_user_id_list": [],
            "invalid_dept_id_list": [],
        }
        return JSONResponse({"errcode": 0, "errmsg": "ok", "send_result": result, "request_id": secrets.token_hex(6)})


def fake_dingtalk(recorder: FakeRecorder, street: str, settings: DingTalkSettings | None, environ: Mapping[str, str]) -> Starlette:
    """The fake provider's ASGI app; its state is ``app.state.fake`` (a ``DingTalkFake``)."""
    fake = DingTalkFake(recorder, street, settings, environ)
    return fake.app(
        Route("/robot/send", fake.robot_send, methods=["POST"]),
        Route("/gettoken", fake.gettoken, methods=["GET"]),
        Route(SEND, fake.asyncsend, methods=["POST"]),
        Route(RESULT, fake.getsendresult, methods=["POST"]),
    )
