"""A refused mediation mutation answers in the reader's language (issue 19): same code and field."""

from __future__ import annotations

SEAL = """mutation($input: SetCommitteeSealInput!) { setCommitteeSeal(input: $input) {
  committee { id } errors { field code message } } }"""


async def test_a_refused_seal_answers_in_chinese(scene):
    variables = {"input": {"committeeId": scene.committee, "sealName": "x", "imageBase64": "aGk=", "imageContentType": "text/plain"}}
    token = scene.tokens["admin"]
    english = (await scene.client.query(SEAL, variables, token=token))["setCommitteeSeal"]["errors"]
    chinese = (await scene.client.query(SEAL, variables, token=token, language="zh-CN"))["setCommitteeSeal"]["errors"]
    assert english[0]["message"].startswith("The seal's image is one of image/")
    types = english[0]["message"].removeprefix("The seal's image is one of ").removesuffix(".")
    assert chinese[0]["message"] == f"印章图片须为以下格式之一：{types}。"
    assert [(e["code"], e["field"]) for e in chinese] == [(e["code"], e["field"]) for e in english] == [("INVALID", "imageContentType")]


async def test_a_refused_download_answers_in_chinese(scene):
    case = await scene.open_case()
    path = f"/mediation/changqing/cases/{case['id']}/agreement.pdf"
    grid_worker = await scene.client.token("grid_worker")
    for language, text in (("en", "You lack the permission 'mediation.case.read' in this street."), ("zh-CN", "您在本街道没有权限“mediation.case.read”。")):
        refused = await scene.client.http.get(path, headers={"authorization": f"Bearer {grid_worker}", "accept-language": language})
        assert (refused.status_code, refused.text) == (403, text)
