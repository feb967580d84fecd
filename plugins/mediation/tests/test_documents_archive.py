"""The case archive (卷宗) as one PDF: cover, application, twenty sessions, the agreement, the
return visit, the history and the attachments, the real image embedded and the rest listed."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

from PIL import Image

from jiedao.core.clock import today
from jiedao.core.testing.fixtures import app_client
from jiedao.plugins.mediation.tests.conftest import build_scene, pk, register_entry
from jiedao.plugins.mediation.tests.pdfs import fonts_of, image_count, text_of

SESSIONS = 20


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


ATTACHMENTS = (
    ("漏水现场.png", "image/png", png()),
    ("不是图片.jpg", "image/jpeg", "现场照片".encode()),
    ("示意图.svg", "image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/hostname"/></svg>'),
    ("维修报价.pdf", "application/pdf", b"%PDF-1.4 quote"),
)


async def test_the_archive_holds_every_part_of_the_case_and_embeds_only_the_real_image(make_kernel, password_hash, tmp_path):
    streets = {"changqing": {"name": "长庆街道", "plugins": ["mediation"], "mediation": {"file_store": str(tmp_path / "files")}}}
    kernel = await make_kernel(streets=streets)
    async with app_client(kernel, password_hash) as client:
        s = await build_scene(client, kernel)
        case = await s.in_mediation()
        for n in range(1, SESSIONS + 1):
            held = {"caseId": case["id"], "heldOn": (today() - timedelta(days=SESSIONS - n)).isoformat(), "participants": ["业主0", "业主1", "小王"]}
            await s.ok("recordMediationSession", {**held, "notes": f"第{n}次：双方陈述意见，调解员释法说理。"}, s.tokens["med-a2"])
        for name, kind, data in ATTACHMENTS:
            attachment = {"caseId": case["id"], "name": name, "contentType": kind, "contentBase64": base64.b64encode(data).decode()}
            await s.ok("addCaseAttachment", attachment, s.tokens["med-a2"])
        assert (await s.draft(case["id"]))["errors"] == []
        for i in (0, 1):
            await s.ok("signAgreement", {"caseId": case["id"], "residentId": s.residents[i]}, s.tokens["med-a2"])
        await s.ok("signAgreement", {"caseId": case["id"]}, s.tokens["med-a2"])
        agreed = (await s.ok("sealAgreement", {"caseId": case["id"]}, s.tokens["med-chair"]))["case"]
        visit = agreed["returnVisits"][0]
        await s.ok("recordReturnVisit", {"visitId": visit["id"], "notes": "防水已重做，无渗漏，赔偿款已付清。"}, s.tokens["med-a2"], fields="returnVisit { id }")

        response = await client.http.get(f"/mediation/changqing/cases/{case['id']}/archive.pdf", headers={"authorization": f"Bearer {s.tokens['med-a2']}"})

    assert response.status_code == 200, response.text
    assert "filename*=UTF-8''%E4%BA%BA%E6%B0%91%E8%B0%83%E8%A7%A3%E5%8D%B7%E5%AE%97" in response.headers["content-disposition"]  # 人民调解卷宗
    text = text_of(response.content)
    _, year, entry = await register_entry(kernel, case["id"])
    number = f"（{year}）长庆人调字第{entry:04d}号"  # the committee's register, not the case's id
    parts = [
        "长庆街道人民调解委员会人民调解卷宗",
        f"卷宗编号{number}",
        "案由楼上漏水",
        "纠纷类型漏水纠纷",
        "当事人业主0、业主1",
        "人民调解员小王",
        "卷内目录",
        "人民调解申请书（受理登记）",
        "来源当事人申请",
        "纠纷地点测试小区1幢001室",
        "调解记录",
        *(f"第{n}次：双方陈述意见" for n in range(1, SESSIONS + 1)),
        "参加人员业主0、业主1、小王记录人小王",
        "人民调解协议书",
        "602室业主负责重做防水并赔偿502室2800元。",
        "长庆街道人民调解委员会（印章）",
        "回访记录",
        "防水已重做，无渗漏，赔偿款已付清。",
        "案件流转记录",
        "附件清单",
        "漏水现场.png",
        "漏水现场.pngimage/png",
        "图附后",
        "不是图片.jpg",
        "未嵌入（无法识别的图片）",
        "示意图.svg",
        "未嵌入（矢量图，请单独查看）",
        "维修报价.pdf",
        "未嵌入（非图片，请单独查看）",
        "附件1：漏水现场.png",
    ]
    positions = [text.find(part) for part in parts]
    assert all(p >= 0 for p in positions), [part for part, p in zip(parts, positions) if p < 0]
    assert text.find("卷内目录") < text.find("调解记录第1次") < text.find("经调解，当事人自愿达成如下协议") < text.find("回访记录第1次回访")
    assert image_count(response.content) == 1, "only the real PNG is drawn"
    fonts = fonts_of(response.content)
    assert "Noto-Serif-CJK-SC" in fonts and all(fonts.values()), fonts


async def test_reading_an_archive_costs_the_same_statements_for_one_or_six_sessions_and_attachments(scene):
    from sqlalchemy import select

    from jiedao.core.testing.fixtures import count_statements
    from jiedao.plugins.mediation.documents.content import case_file
    from jiedao.core.clock import now
    from jiedao.plugins.mediation.models import Attachment, Case

    case = await scene.in_mediation()

    async def record(n: int) -> None:
        held = {"caseId": case["id"], "heldOn": today().isoformat(), "participants": ["业主0", "小王"], "notes": f"第{n}次"}
        await scene.ok("recordMediationSession", held, scene.tokens["med-a2"])
        async with scene.kernel.db.transaction(scene.kernel.street_id("changqing")) as session:  # a row is enough: nothing is read from the store
            session.add(Attachment(case_id=pk(case["id"]), name=f"{n}.txt", content_type="text/plain", size=1, reference="sha256/" + "0" * 64, added_by="med-a2", added_at=now()))

    async def statements() -> tuple[int, int]:
        async with scene.kernel.db.transaction(scene.kernel.street_id("changqing")) as session:
            row = await session.scalar(select(Case).where(Case.id == pk(case["id"])))
            with count_statements() as counter:
                read = await case_file(session, row)
        return counter.count, (len(read.sessions), len(read.attachments))

    await record(1)
    few, one = await statements()
    for n in range(2, 7):
        await record(n)
    many, six = await statements()
    assert (one, six) == ((1, 1), (6, 6)) and many == few


async def test_the_archive_records_the_parties_answers_performance_and_the_courts_ruling(scene):
    """The respondent's answer is recorded through the API (on paper, by staff: ``Scene.in_mediation``);
    the agreement's outcome is written straight to its row: the mutations recording performance
    and the court's ruling belong to the procedure (Art. 31, 33) and are tested with it."""
    from datetime import date

    from sqlalchemy import select

    from jiedao.plugins.mediation.models import Agreement

    case = await scene.agreed()
    async with scene.kernel.db.transaction(scene.kernel.street_id("changqing")) as session:
        agreement = await session.scalar(select(Agreement).where(Agreement.case_id == pk(case["id"])))
        agreement.performed_on, agreement.performance_how, agreement.performance_recorded_by = date(2026, 3, 20), "mediator_check", "med-a2"
        agreement.confirmation_requested_on, agreement.confirmation_court = date(2026, 3, 10), "杭州市拱墅区人民法院"
        agreement.confirmation_ruling, agreement.confirmation_case_number, agreement.confirmation_ruled_on = "confirmed", "（2026）浙0105民特12号", date(2026, 3, 16)

    response = await scene.client.http.get(f"/mediation/changqing/cases/{case['id']}/archive.pdf", headers={"authorization": f"Bearer {scene.tokens['worker']}"})

    assert response.status_code == 200, response.text
    text = text_of(response.content)
    answered = today()
    assert "当事人对调解的答复（第十七条）" in text
    assert f"业主1同意调解{answered.year}年{answered.month}月{answered.day}日书面答复（工作人员录入）" in text
    assert "履行完毕2026年3月20日确认方式调解员核实" in text
    assert "申请司法确认2026年3月10日，杭州市拱墅区人民法院" in text
    assert "法院裁定裁定确认调解协议有效（（2026）浙0105民特12号，2026年3月16日）" in text
