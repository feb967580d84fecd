"""Whatever people type into a case prints as text on its documents: markup, bidi controls and
control characters never reach the layout, and the renderer fetches nothing but the case's
attachments. (The API and the database refuse NUL bytes; the documents drop them all the same,
checked on a sheet built in memory.)"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from jiedao.plugins.mediation.documents.agreement import agreement_html
from jiedao.plugins.mediation.documents.content import agreement_sheet
from jiedao.plugins.mediation.documents.markup import escape, Safe
from jiedao.plugins.mediation.documents.pdf import render_now
from jiedao.plugins.mediation.models import Case
from jiedao.plugins.mediation.tests.conftest import pk
from jiedao.plugins.mediation.tests.pdfs import text_of
from jiedao.plugins.mediation.tests.test_documents_agreement import get_document, set_residents

SCRIPT = "<script>alert('协议')</script>"
IMAGE = '<img src="file:///etc/hostname">'


async def test_markup_bidi_controls_and_nul_bytes_in_fields_print_as_plain_text(scene):
    await set_residents(scene.kernel, (scene.registry["residents"][0], {"name": f"\u202e业主零\x1b{SCRIPT}"}))
    case = await scene.in_mediation()
    drafted = await scene.draft(case["id"], terms=f"赔偿2800元{IMAGE}\u202e分两期\u2066支付\u2069", facts=f"<b>漏水</b>{SCRIPT}")
    assert drafted["errors"] == []

    response = await get_document(scene, case["id"], "agreement", scene.tokens["med-a2"])

    assert response.status_code == 200, response.text
    text = text_of(response.content)
    assert f"申请人：业主零{SCRIPT}" in text, "the override is dropped: the name reads in order, the tag as text"
    assert f"<b>漏水</b>{SCRIPT}" in text
    assert f"赔偿2800元{IMAGE}分两期支付".replace(" ", "") in text
    assert not any(c in text for c in "\u202e\u2066\u2069\x1b")


async def test_the_renderer_fetches_nothing_a_field_names_and_nothing_outside(scene):
    case = await scene.in_mediation()
    assert (await scene.draft(case["id"], terms=IMAGE, performance='<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'))["errors"] == []
    async with scene.kernel.db.transaction(scene.kernel.street_id("changqing")) as session:
        sheet = await agreement_sheet(session, await session.scalar(select(Case).where(Case.id == pk(case["id"]))))

    escaped = render_now(agreement_html(sheet)[0])
    assert escaped.refused == [], "escaped fields are text: nothing to fetch"
    assert IMAGE.replace(" ", "") in text_of(escaped.pdf)

    with_nul = replace(sheet, terms="赔偿\x00二千八百元\x00", parties=[replace(p, name=f"\x00{p.name}\u202e") for p in sheet.parties])
    text = text_of(render_now(agreement_html(with_nul)[0]).pdf)
    assert "赔偿二千八百元" in text and "申请人：业主0，" in text and "\x00" not in text
    assert escape("a\x00b\x85c\u202ed\ufeff<e>") == '<span class="field">abcd&lt;e&gt;</span>'

    injected = render_now(agreement_html(sheet)[0].replace("</section>", f"{Safe(IMAGE)}</section>"))
    assert injected.refused == ["file:///etc/hostname"], "even markup that got through cannot read the server's files"
