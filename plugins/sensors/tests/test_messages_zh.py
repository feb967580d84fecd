"""A refused sensors mutation answers in the language the request asks for (issue 19): Chinese
for ``Accept-Language: zh-CN``, English for ``en``, with the same ``code`` and ``field``."""

from __future__ import annotations

from .test_retire import RETIRE


async def test_a_refused_retirement_answers_in_chinese_with_the_same_code_and_field(registry, client):
    admin = await client.token("street_admin")
    variables = {"input": {"deviceId": "NOPE", "note": "gone"}}
    [english] = (await client.query(RETIRE, variables, token=admin))["retireDevice"]["errors"]
    [chinese] = (await client.query(RETIRE, variables, token=admin, language="zh-CN"))["retireDevice"]["errors"]
    assert english == {"code": "NOT_FOUND", "field": "deviceId", "message": "No device 'NOPE' is registered in this street."}
    assert chinese == {"code": "NOT_FOUND", "field": "deviceId", "message": "本街道没有登记设备“NOPE”。"}

