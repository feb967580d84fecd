"""A document of a case, checked, read, rendered and audited: what the HTTP routes serve."""

from __future__ import annotations

from dataclasses import dataclass

from jiedao.api.domain import audit
from jiedao.api.files import LocalFileStore
from jiedao.api.graphql import encode_global_id
from jiedao.plugins.mediation.access import Actor
from jiedao.plugins.mediation.documents.access import check, Document
from jiedao.plugins.mediation.documents.agreement import agreement_html
from jiedao.plugins.mediation.documents.archive import archive_html
from jiedao.plugins.mediation.documents.content import agreement_sheet, case_file
from jiedao.plugins.mediation.documents.pdf import in_renderer, render_now

TITLES = {Document.AGREEMENT: "人民调解协议书", Document.ARCHIVE: "人民调解卷宗"}
AUDIT_ACTION = "mediation.document.exported"


@dataclass(frozen=True)
class Download:
    """A rendered document and the name it is saved under."""

    filename: str
    ascii_filename: str
    pdf: bytes


def filenames(document: Document, number: str, case_id: int) -> tuple[str, str]:
    """``人民调解协议书（2026）长庆人调字第0012号.pdf`` and its ASCII fallback
    ``mediation-agreement-12.pdf`` (for clients that ignore RFC 5987's ``filename*``)."""
    return f"{TITLES[document]}{number}.pdf", f"mediation-{document.value}-{case_id}.pdf"


def _agreement_pdf(sheet, store) -> bytes:
    return render_now(*agreement_html(sheet, store)).pdf


def _archive_pdf(file, store) -> bytes:
    html, images = archive_html(file, store)
    return render_now(html, images).pdf


async def download(kernel, street: str, actor: Actor, permissions, case_id: int, document: Document, request_id: str = "") -> Download:
    """The PDF of ``document`` of case ``case_id`` for ``actor``; ``DomainError`` when refused.

    The case is read in one street transaction, which also writes the audit entry
    (``mediation.document.exported``, the case and the document); rendering happens after it,
    in the renderer's thread.
    """
    street_id = kernel.street_id(street)
    async with kernel.db.transaction(street_id) as session:
        case = await check(session, actor, permissions, case_id, document)
        content = await (agreement_sheet(session, case) if document is Document.AGREEMENT else case_file(session, case))
        await audit(
            session, street_id, actor.name, AUDIT_ACTION, encode_global_id("Case", case.id), {"document": document.value},
            actor_id=actor.user_id, request_id=request_id,
        )
    store = LocalFileStore(kernel.settings(street, "mediation").file_store)
    pdf = await in_renderer(_agreement_pdf if document is Document.AGREEMENT else _archive_pdf, content, store)
    return Download(*filenames(document, content.number, case.id), pdf)
