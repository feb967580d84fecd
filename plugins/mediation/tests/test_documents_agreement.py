"""The 人民调解协议书 as a PDF: downloaded over HTTP as a party, read back with pypdf."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import select

from jiedao.core.clock import today
from jiedao.core.models import Resident
from jiedao.plugins.mediation.tests.conftest import pk, register_entry
from jiedao.plugins.mediation.tests.pdfs import fonts_of, image_count, pdfa_of, text_of, title_of


def chinese(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


async def set_residents(kernel, *changes: tuple[int, dict]) -> None:
    """Change residents' rows (fields the GraphQL API does not set, e.g. the masked ID number)."""
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        for resident_id, values in changes:
            resident = await session.scalar(select(Resident).where(Resident.id == resident_id))
            for key, value in values.items():
                setattr(resident, key, value)


async def get_document(scene, case_id: str, document: str, token: str | None):
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await scene.client.http.get(f"/mediation/changqing/cases/{case_id}/{document}.pdf", headers=headers)


async def test_a_party_downloads_the_agreement_in_effect_with_parties_terms_signatures_and_the_seal_line(scene):
    residents = scene.registry["residents"]
    await set_residents(
        scene.kernel,
        (residents[0], {"id_card_masked": "330105********1243", "birth_year": 1958}),
        (residents[1], {"id_card_masked": "330105********0035", "birth_year": 1990}),
    )
    case = await scene.agreed()
    _, year, entry = await register_entry(scene.kernel, case["id"])
    number = f"（{year}）长庆人调字第{entry:04d}号"  # the committee's register, not the case's id

    response = await get_document(scene, case["id"], "agreement", await scene.resident_token(0))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    filename = f"人民调解协议书{number}.pdf"
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"mediation-agreement-{pk(case['id'])}.pdf\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    text = text_of(response.content)
    for expected in (
        "人民调解协议书",
        f"编号：{number}",
        "申请人：业主0，女，1958年生，住测试小区1幢001室，身份证号330105********1243",
        "被申请人：业主1，男，1990年生，住测试小区1幢002室，身份证号330105********0035",
        "纠纷主要事实602室卫生间防水层老化，渗水至502室顶棚。",
        "争议事项维修责任与502室装修损失的赔偿数额。",
        "602室业主负责重做防水并赔偿502室2800元。",
        "十五日内完成防水施工，赔偿款当面一次付清。",
        f"应于{chinese(scene_perform_by())}前履行完毕",
        "第二十九条",
        "三十日内共同向人民法院申请司法确认",
        "本协议一式3份",
        "当事人（签名、盖章或按指印）",
        "人民调解员（签名）",
        f"业主0已签名{chinese(today())}",
        f"业主1已签名{chinese(today())}",
        f"小王已签名{chinese(today())}",
        "长庆街道人民调解委员会（印章）",
        f"印章：长庆街道人民调解委员会，印章编号330105-TJ-001；{chinese(today())}加盖",
    ):
        assert expected in text, expected
    assert "草稿" not in text and "尚未加盖" not in text
    assert text.count(f"已签名{chinese(today())}") == 3, "both parties and the mediator signed"

    fonts = fonts_of(response.content)
    assert "Noto-Serif-CJK-SC" in fonts and "Noto-Sans-CJK-SC-Bold" in fonts, fonts
    assert all(fonts.values()), f"every font is embedded: {fonts}"
    assert pdfa_of(response.content) == "3B" and title_of(response.content) == f"人民调解协议书 {number}"


def scene_perform_by():
    from datetime import timedelta

    return today() + timedelta(days=15)


async def test_a_draft_prints_as_not_in_effect_with_blank_signature_and_seal_lines(scene):
    case = await scene.in_mediation()
    assert (await scene.draft(case["id"]))["errors"] == []

    response = await get_document(scene, case["id"], "agreement", scene.tokens["med-a2"])

    assert response.status_code == 200, response.text
    text = text_of(response.content)
    assert "草稿：本协议尚未生效" in text
    assert "已签名" not in text and "长庆街道人民调解委员会（印章）（尚未加盖人民调解委员会印章）" in text
    assert "年月日" in text, "the date is left blank for the seal"


async def test_the_committees_seal_image_is_stamped_on_the_sealed_agreement_only(make_kernel, password_hash, tmp_path):
    import base64
    import io

    from PIL import Image

    from jiedao.core.testing.fixtures import app_client
    from jiedao.plugins.mediation.tests.conftest import build_scene

    streets = {"changqing": {"name": "长庆街道", "plugins": ["mediation"], "mediation": {"file_store": str(tmp_path / "files")}}}
    kernel = await make_kernel(streets=streets)
    seal = io.BytesIO()
    Image.new("RGBA", (200, 200), (200, 0, 0, 160)).save(seal, format="PNG")
    async with app_client(kernel, password_hash) as client:
        s = await build_scene(client, kernel)
        recorded = {"committeeId": s.committee, "sealName": "长庆街道人民调解委员会", "sealNumber": "330105-TJ-002", "imageBase64": base64.b64encode(seal.getvalue()).decode()}
        await s.ok("setCommitteeSeal", recorded, fields="committee { id }")
        case = await s.in_mediation()
        assert (await s.draft(case["id"]))["errors"] == []
        draft = await get_document(s, case["id"], "agreement", s.tokens["med-a2"])
        for i in (0, 1):
            await s.ok("signAgreement", {"caseId": case["id"], "residentId": s.residents[i]}, s.tokens["med-a2"])
        await s.ok("signAgreement", {"caseId": case["id"]}, s.tokens["med-a2"])
        await s.ok("sealAgreement", {"caseId": case["id"]}, s.tokens["med-chair"])
        sealed = await get_document(s, case["id"], "agreement", s.tokens["med-a2"])

    assert draft.status_code == sealed.status_code == 200
    assert image_count(draft.content) == 0, "a draft never carries the seal's image"
    assert image_count(sealed.content) == 1
    assert "印章编号330105-TJ-002" in text_of(sealed.content)
