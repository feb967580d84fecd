"""The words inside a message follow its language too (issue 19): a type's name, a state, an
action are translated through the names table (``msgctxt "name"`` in the owner's ``names.po``),
while ``code``, ``field`` and the English text are unchanged (``core.messages.Catalogue.word``)."""

from __future__ import annotations

from jiedao.core.messages import Name, load_catalogue, names_list
from jiedao.core.messages_audit import ROOT
from jiedao.schema.ids import encode_global_id
from tests.test_work_items import ACCEPT, open_item, place  # noqa: F401 (the fixture)

ACCEPTED_STATES = "(only one that is DISPATCHED, REOPENED)"


async def _refusal(client, token: str, item: str, language: str) -> dict:
    body = await client.result(ACCEPT, {"input": {"id": item}}, token=token, language=language)
    if body.get("errors"):
        [error] = body["errors"]
        return {"code": error["extensions"]["code"], "message": error["message"]}
    [error] = next(iter(body["data"].values()))["errors"]
    return {"code": error["code"], "message": error["message"]}


async def test_a_state_and_an_action_inside_a_chinese_refusal_are_chinese(kernel, client, place):  # noqa: F811
    item = await open_item(kernel, place)
    chinese = await _refusal(client, place.tokens["staff"], item, "zh-CN")
    english = await _refusal(client, place.tokens["staff"], item, "en")
    assert chinese == {"code": "INVALID_STATE", "message": "不能对状态为新建的事项执行接单（只适用于状态为已派单、重新办理的事项）。"}
    assert english == {"code": "INVALID_STATE", "message": f"Cannot accept a work item that is NEW {ACCEPTED_STATES}."}


async def test_a_type_name_inside_a_chinese_refusal_is_chinese(kernel, client, place):  # noqa: F811
    missing = encode_global_id("WorkItem", 987654)
    chinese = await _refusal(client, place.tokens["staff"], missing, "zh-CN")
    english = await _refusal(client, place.tokens["staff"], missing, "en")
    assert chinese == {"code": "NOT_FOUND", "message": "本街道没有这个事项。"}
    assert english == {"code": "NOT_FOUND", "message": "There is no such WorkItem in this street."}


def _catalogue():
    return load_catalogue([(p.parent.name, p) for p in sorted((ROOT / "plugins").glob("*/locale"))])


def test_a_plugins_states_are_read_in_its_own_names_table():
    from jiedao.plugins.mediation.states import CASE_TRANSITIONS, CaseState

    catalogue = _catalogue()
    try:
        CASE_TRANSITIONS.check("applied", CaseState.FULFILLED)
    except Exception as error:  # noqa: BLE001 - the refusal under test
        refusal = error
    assert str(refusal) == "A case that is 'applied' cannot become 'fulfilled'; allowed next states: accepted, refused."
    assert catalogue.render(refusal.template, refusal.params, "zh-CN") == "处于“申请”的案件不能变为“履行完毕”；允许的下一状态：受理、拒绝调解。"
    # "accepted" is 已接单 for a work item (the core's table) but 受理 for a case (mediation's).
    assert catalogue.word("accepted", "zh-CN", "core") == "已接单"
    assert catalogue.word("accepted", "zh-CN", "mediation") == "受理"


def test_only_word_params_and_names_are_translated():
    catalogue = _catalogue()
    template = "Unknown {field_name} '{value}'; one of {allowed}."  # input echoed back, accepted input values
    params = {"field_name": "state", "value": "open", "allowed": "NEW, CLOSED"}
    assert catalogue.render(template, params, "zh-CN") == catalogue.translate(template, "zh-CN").format(**params)
    assert catalogue.render("There is no such {type} in this street.", {"type": "Gizmo"}, "zh-CN") == "本街道没有这个Gizmo。"
    assert catalogue.render("There is no such {type} in this street.", {"type": Name("Ballot")}, "en") == "There is no such Ballot in this street."
    assert names_list(["open", "closed"]) == "open, closed" and catalogue.word(names_list(["open", "closed"]), "zh-CN", "deliberation") == "进行中、已结束"
    assert catalogue.word("open, gizmo", "zh-CN") == "open, gizmo"  # a list is translated whole or not at all


def test_a_contacts_refused_field_and_its_reason_are_chinese():
    from jiedao.core.contacts.reasons import REASON_TEMPLATES, field_word, translatable_reason
    from jiedao.core.contacts.validation import ContactEntry, contact_problems

    catalogue = _catalogue()
    for template in REASON_TEMPLATES:
        assert template in catalogue.translations["zh-CN"], template
    _, problems = contact_problems(ContactEntry("", "女儿\x07", "123"))
    assert [field for field, _ in problems] == ["name", "relation", "phone"]
    template = "Emergency contact {number}, {name}: {reason}."
    rendered = [catalogue.render(template, {"number": 1, "name": field_word(f), "reason": translatable_reason(r)}, "zh-CN") for f, r in problems]
    assert rendered == [
        "第 1 位紧急联系人的姓名：不能为空。",
        "第 1 位紧急联系人的关系：第 3 个字符是控制字符 U+0007。",
        "第 1 位紧急联系人的电话：“123”不是以 13-19 开头的 11 位手机号码，也不是带区号的固定电话（如 0571-87001234）。",
    ]
    english = catalogue.render(template, {"number": 1, "name": field_word("phone"), "reason": translatable_reason(problems[2][1])}, "en")
    assert english == f"Emergency contact 1, phone: {problems[2][1]}."
