"""The 人民调解协议书 as HTML (People's Mediation Law Art. 28-29, 31-33): the parties, the
facts and disputed points, the agreed terms, the manner and time limit of performance, the
effect clause, the signatures of the parties and the mediator, the committee's seal line and date."""

from __future__ import annotations

from jiedao.plugins.mediation.documents.content import AgreementSheet, Signatory
from jiedao.plugins.mediation.documents.labels import chinese_date
from jiedao.plugins.mediation.documents.markup import fill, join, paragraphs, plain, Safe


def party_lines(parties) -> Safe:
    """One line per party: role, name, what is known of them."""
    return join(
        fill("party.html", role=party.role_name, name=party.name, details=("，" + "，".join(party.details())) if party.details() else "")
        for party in parties
    )


def _signature(signatory: Signatory) -> Safe:
    signed = f"已签名 {chinese_date(signatory.signed_on)}" if signatory.signed_on else "\u3000"
    return fill("signature.html", name=signatory.name, signed=signed)


def _seal_note(sheet: AgreementSheet) -> str:
    if sheet.sealed_on is not None:
        return f"已于 {chinese_date(sheet.sealed_on)} 加盖印章"
    return "（尚未用印）"


def agreement_section(sheet: AgreementSheet) -> Safe:
    """The agreement's section, as printed alone or inside the case's archive."""
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
        committee=sheet.committee,
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


def agreement_html(sheet: AgreementSheet) -> str:
    """The whole document of the agreement (one HTML page, laid out by ``documents.css``)."""
    title = f"人民调解协议书 {sheet.number}"
    return fill("document.html", title=plain(title), author=plain(sheet.committee), kind=plain("agreement-document"), body=agreement_section(sheet))
