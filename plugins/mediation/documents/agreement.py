"""The 人民调解协议书 as HTML (People's Mediation Law Art. 28-29, 31-33): the parties, the
facts and disputed points, the agreed terms, the manner and time limit of performance, the
effect clause, the signatures of the parties and the mediator, the committee's seal line and date."""

from __future__ import annotations

from jiedao.plugins.mediation.documents.content import AgreementSheet, Signatory
from jiedao.plugins.mediation.documents.images import NotDrawable, stored
from jiedao.plugins.mediation.documents.labels import chinese_date
from jiedao.plugins.mediation.documents.markup import fill, join, paragraphs, plain, Safe
from jiedao.plugins.mediation.documents.pdf import ATTACHMENT_SCHEME, Image

SEAL_URL = f"{ATTACHMENT_SCHEME}seal"
NO_COMMITTEE = "\uff3f" * 8 + "人民调解委员会"


def party_lines(parties) -> Safe:
    """One line per party: role, name, what is known of them."""
    return join(
        fill("party.html", role=party.role_name, name=party.name, details=("，" + "，".join(party.details())) if party.details() else "")
        for party in parties
    )


def _signature(signatory: Signatory) -> Safe:
    signed = f"已签名 {chinese_date(signatory.signed_on)}" if signatory.signed_on else "\u3000"
    return fill("signature.html", name=signatory.name, signed=signed)


def seal_image(sheet: AgreementSheet, store) -> Image | None:
    """The image of the committee's seal to stamp on a *sealed* agreement, if the committee
    recorded one that can be drawn (never on a draft: it would look sealed)."""
    if sheet.seal is None or not sheet.seal.image:
        return None
    try:
        return stored(store, sheet.seal.image, sheet.seal.image_type, svg=True)
    except NotDrawable:
        return None


def _seal_note(sheet: AgreementSheet) -> str:
    if sheet.seal is None:
        return "（尚未加盖人民调解委员会印章）"
    number = f"，印章编号 {sheet.seal.number}" if sheet.seal.number else ""
    return f"印章：{sheet.seal.name}{number}；{chinese_date(sheet.sealed_on)} 加盖"


def agreement_section(sheet: AgreementSheet, seal: Image | None = None) -> Safe:
    """The agreement's section, as printed alone or inside the case's archive; ``seal`` is the
    image of the committee's seal, stamped over the seal line of a sealed agreement."""
    draft = Safe("")
    if not sheet.in_effect:
        draft = Safe('<p class="draft">草稿：本协议尚未生效（待各方签名、人民调解员签名并加盖人民调解委员会印章）</p>')
    return fill(
        "agreement.html",
        draft=draft,
        number=sheet.number,
        parties=party_lines(sheet.parties),
        facts=paragraphs(sheet.facts),
        disputed_points=paragraphs(sheet.disputed_points),
        terms=paragraphs(sheet.terms),
        performance=paragraphs(sheet.performance),
        perform_by=chinese_date(sheet.perform_by),
        copies=str(len(sheet.parties) + 1),
        party_signatures=join(_signature(sheet.signatory(p)) for p in sheet.parties),
        mediator_signatures=join(_signature(s) for s in sheet.mediators) or _signature(Signatory("\u3000")),
        committee=sheet.committee or NO_COMMITTEE,
        seal_image=Safe(f'<img class="seal-image" src="{SEAL_URL}" alt="">') if seal is not None and sheet.seal is not None else Safe(""),
        seal_note=_seal_note(sheet),
        date=chinese_date(sheet.effective_on or sheet.sealed_on),
    )


def oral_record(sheet: AgreementSheet) -> Safe:
    """An oral agreement (Art. 30) as recorded by the mediator: printed in the archive only."""
    return fill(
        "oral.html",
        number=sheet.number,
        effective_on=chinese_date(sheet.effective_on or sheet.drafted_on),
        parties=party_lines(sheet.parties),
        facts=paragraphs(sheet.facts),
        disputed_points=paragraphs(sheet.disputed_points),
        terms=paragraphs(sheet.terms),
        performance=paragraphs(sheet.performance),
        perform_by=chinese_date(sheet.perform_by),
        mediators="、".join(s.name for s in sheet.mediators),
    )


def agreement_html(sheet: AgreementSheet, store=None) -> tuple[str, dict[str, Image]]:
    """The whole document of the agreement (laid out by ``documents.css``) and the image it
    embeds: the committee's seal, read from ``store``, once sealed."""
    seal = seal_image(sheet, store) if store is not None else None
    title = f"人民调解协议书 {sheet.number}"
    body = agreement_section(sheet, seal)
    html = fill("document.html", title=plain(title), author=plain(sheet.committee), kind=plain("agreement-document"), body=body)
    return html, ({SEAL_URL: seal} if seal is not None else {})
