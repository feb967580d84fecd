"""The fake Alibaba Cloud: a Starlette app answering the SDK's RPC calls for SMS and voice.

It checks each request's V3 signature with the AccessKey from the environment (``verify``),
answers with Alibaba Cloud's JSON shapes and HTTP statuses, records every send it receives in
the ``FakeRecorder`` (sends with a bad signature too, ``verified=False``), and fails on demand:
``recorder.fail_next("aliyun", n, how)`` with ``"500"`` (InternalError), ``"timeout"`` (no
answer until the client gives up) or ``"throttled"`` (isv.BUSINESS_LIMIT_CONTROL). Calls are
answered unless ``recorder.answer(phone, "NO_ANSWER")``; ``recorder.answer(phone, "FAILED")``
makes an SMS to that phone fail at the carrier. Like a careless provider it does NOT
de-duplicate on OutId, so a double send shows (``sends_by_out_id``).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from jiedao.api.channels import FakeDelivery, FakeRecorder
from jiedao.api.domain import CHINA, clock
from jiedao.plugins.aliyun.fake.signature import SignatureProblem, verify
from jiedao.plugins.aliyun.settings import AliyunSettings

PROVIDER = "aliyun"
PHONE = re.compile(r"^1\d{10}$")
MAX_CLOCK_SKEW = timedelta(minutes=15)
SENDS = {"SendSms": "sms", "SingleCallByTts": "voice"}


def fake_aliyun(recorder: FakeRecorder, street: str, settings: AliyunSettings | None, environ: Mapping[str, str]) -> Starlette:
    """The fake provider of ``street`` (``register.fake_provider("aliyun", fake_aliyun)``)."""
    return FakeAliyun(recorder, street, settings or AliyunSettings(), environ).app


def sends_by_out_id(recorder: FakeRecorder, street: str | None = None) -> Counter:
    """How many accepted sends (SMS and calls) the fake received per OutId: above 1 is a double send."""
    return Counter(
        d.raw.get("OutId", "")
        for d in recorder.deliveries
        if d.provider == PROVIDER and d.verified and d.provider_id and (street is None or d.street == street)
    )


def request_id() -> str:
    """A RequestId shaped like Alibaba Cloud's."""
    return str(uuid.uuid4()).upper()


def error(code: str, message: str, status: int = 200) -> JSONResponse:
    """Alibaba Cloud's error body (business errors of SMS/voice come with HTTP 200)."""
    return JSONResponse({"Code": code, "Message": message, "RequestId": request_id()}, status_code=status)


class FakeAliyun:
    """State of one street's fake: what was sent, so queries can answer about it."""

    def __init__(self, recorder: FakeRecorder, street: str, settings: AliyunSettings, environ: Mapping[str, str]) -> None:
        self.recorder, self.street, self.settings, self.environ = recorder, street, settings, environ
        self.messages: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, dict[str, Any]] = {}
        self.nonces: set[str] = set()
        self.app = Starlette(routes=[Route("/", self.handle, methods=["GET", "POST"])])

    async def handle(self, request: Request) -> JSONResponse:
        """One RPC request: verify, maybe fail on demand, then answer the action."""
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        params = dict(parse_qsl(request.url.query, keep_blank_values=True))
        params.update(parse_qsl(body.decode(), keep_blank_values=True) if body else [])
        action = headers.get("x-acs-action", "")
        problem = self.check(request, headers, body)
        if problem is not None:
            if action in SENDS:
                self.record(action, params, verified=False, detail=f"{problem.code}: {problem.message}")
            return error(problem.code, problem.message, problem.status)
        failure = self.recorder.take_failure(PROVIDER)
        if failure == "timeout":
            await self.hang(request)
            return error("ServiceUnavailable", "The request has failed due to a temporary failure of the server.", 503)
        if failure == "500":
            return error("InternalError", "The request processing has failed due to some unknown error.", 500)
        if failure == "throttled":
            return error("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
        answer = getattr(self, action, None)
        if answer is None:
            return error("InvalidAction.NotFound", f"Specified api {action!r} is not found, please check your url and method.", 404)
        return answer(params)

    def check(self, request: Request, headers: dict[str, str], body: bytes) -> SignatureProblem | None:
        """Why the request is refused (signature, AccessKey, stale date, replayed nonce), or None."""
        key_id = self.environ.get(self.settings.access_key_id_env, "")
        secret = self.environ.get(self.settings.access_key_secret_env, "")
        if not key_id or not secret:
            return SignatureProblem("InvalidAccessKeyId.NotFound", f"the fake has no key: set {self.settings.access_key_id_env} and {self.settings.access_key_secret_env}", 404)
        path = request.scope.get("raw_path", b"").decode("latin-1").partition("?")[0] or request.url.path
        try:
            verify(request.method, path, request.url.query, headers, body, key_id, secret)
        except SignatureProblem as problem:
            return problem
        try:
            signed_at = datetime.strptime(headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            return SignatureProblem("InvalidTimeStamp.Format", "x-acs-date must look like 2026-12-01T12:00:00Z")
        if abs(datetime.now(timezone.utc) - signed_at) > MAX_CLOCK_SKEW:
            return SignatureProblem("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
        nonce = headers.get("x-acs-signature-nonce", "")
        if nonce in self.nonces:
            return SignatureProblem("SignatureNonceUsed", "Specified signature nonce was used already.")
        self.nonces.add(nonce)
        return None

    async def hang(self, request: Request) -> None:
        """Answer nothing until the client gives up and disconnects (or long after its timeout)."""
        try:
            await asyncio.wait_for(request.receive(), self.settings.timeout * 3 + 1)
        except TimeoutError:
            pass

    def record(self, action: str, params: dict[str, str], verified: bool, detail: str = "", provider_id: str = "") -> None:
        """Keep what a send carried (the phone, the template and its parameters)."""
        if action == "SendSms":
            to, template, values = params.get("PhoneNumbers", ""), params.get("TemplateCode", ""), params.get("TemplateParam", "")
        else:
            to, template, values = params.get("CalledNumber", ""), params.get("TtsCode", ""), params.get("TtsParam", "")
        self.recorder.record(
            FakeDelivery(
                provider=PROVIDER, channel=SENDS[action], street=self.street, to=to, text=f"{template} {values}".strip(),
                verified=verified, detail=detail or provider_id, provider_id=provider_id, raw={"Action": action, **params},
            )
        )

    def SendSms(self, params: dict[str, str]) -> JSONResponse:
        """SendSms: check the number, signature name, template and parameters; answer a BizId."""
        phones = params.get("PhoneNumbers", "")
        if not phones or not all(PHONE.match(p) for p in phones.split(",")):
            return error("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if not params.get("SignName"):
            return error("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        if not re.match(r"^SMS_\d+$", params.get("TemplateCode", "")):
            return error("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        if (problem := json_object_problem(params.get("TemplateParam"))) is not None:
            return error("isv.INVALID_JSON_PARAM", problem)
        biz_id = f"{int(time.time() * 1000)}^{uuid.uuid4().int % 10**10}"
        self.messages[biz_id] = {**params, "SendDate": clock.now().astimezone(CHINA)}
        self.record("SendSms", params, verified=True, provider_id=biz_id)
        return JSONResponse({"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id()})

    def QuerySendDetails(self, params: dict[str, str]) -> JSONResponse:
        """QuerySendDetails: the SMS of that BizId, phone and day, delivered unless the test said otherwise."""
        sent = self.messages.get(params.get("BizId", ""))
        rows = []
        if sent and params.get("PhoneNumber") in sent["PhoneNumbers"].split(",") and sent["SendDate"].strftime("%Y%m%d") == params.get("SendDate"):
            fate = self.recorder.answers.get(params["PhoneNumber"], "DELIVERED")
            status, err = {"FAILED": (2, "MOBILE_NOT_ON_SERVICE"), "PENDING": (1, "")}.get(fate, (3, "DELIVERED"))
            when = sent["SendDate"].strftime("%Y-%m-%d %H:%M:%S")
            rows.append({
                "PhoneNum": params["PhoneNumber"], "SendStatus": status, "ErrCode": err, "TemplateCode": sent["TemplateCode"],
                "Content": f"【{sent['SignName']}】{sent.get('TemplateParam', '')}", "SendDate": when,
                "ReceiveDate": when if status != 1 else "", "OutId": sent.get("OutId", ""),
            })
        return JSONResponse({
            "Code": "OK", "Message": "OK", "RequestId": request_id(), "TotalCount": len(rows),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows},
        })

    def SingleCallByTts(self, params: dict[str, str]) -> JSONResponse:
        """SingleCallByTts: check the number and TTS template; answer a CallId."""
        if not PHONE.match(params.get("CalledNumber", "")):
            return error("isv.MOBILE_NUMBER_ILLEGAL", "号码格式非法")
        if not re.match(r"^TTS_\d+$", params.get("TtsCode", "")):
            return error("isv.TTS_TEMPLATE_ILLEGAL", "文本转语音模板不存在")
        if (problem := json_object_problem(params.get("TtsParam"))) is not None:
            return error("isv.INVALID_PARAMETERS", problem)
        call_id = f"{uuid.uuid4().int % 10**12}^{uuid.uuid4().int % 10**11}"
        self.calls[call_id] = {**params, "At": clock.now().astimezone(CHINA)}
        self.record("SingleCallByTts", params, verified=True, provider_id=call_id)
        return JSONResponse({"Code": "OK", "Message": "OK", "CallId": call_id, "RequestId": request_id()})

    def QueryCallDetailByCallId(self, params: dict[str, str]) -> JSONResponse:
        """QueryCallDetailByCallId: the call's details (answered unless the test said otherwise) as a JSON string."""
        call = self.calls.get(params.get("CallId", ""))
        try:
            day_start = datetime.fromtimestamp(int(params.get("QueryDate", "0")) / 1000, CHINA)
        except ValueError:
            return error("isv.INVALID_PARAMETERS", "QueryDate must be milliseconds since the epoch")
        if call is None or params.get("ProdId") != "11000000300006" or not (day_start <= call["At"] < day_start + timedelta(days=1)):
            return JSONResponse({"Code": "OK", "Message": "OK", "RequestId": request_id(), "Data": None})
        answered = self.recorder.answers.get(call["CalledNumber"], "ANSWERED") == "ANSWERED"
        start = call["At"].strftime("%Y-%m-%d %H:%M:%S")
        data = {
            "callee": call["CalledNumber"], "caller": call.get("CalledShowNumber", ""), "startDate": start, "endDate": start,
            "state": "200000" if answered else "200003", "stateDesc": "用户听完语音" if answered else "用户收到呼叫但未接听",
            "duration": 25 if answered else 0, "gmtCreate": start,
        }
        return JSONResponse({"Code": "OK", "Message": "OK", "RequestId": request_id(), "Data": json.dumps(data, ensure_ascii=False)})


def json_object_problem(text: str | None) -> str | None:
    """Why a template parameter string is not a JSON object of strings, or None."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return "TemplateParam is not JSON"
    if not isinstance(value, dict):
        return "TemplateParam must be a JSON object"
    return None
