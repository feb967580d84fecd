"""``mediationDocuments(caseId:)``: where to download a case's documents, for this caller.

A query returning links rather than the PDF itself (or a mutation): downloading changes nothing,
the PDF is binary and large, and the link carries no secret — the download checks the caller's
bearer token again. A link is null when the document does not exist or the caller may not have
it, so a front end shows exactly the buttons that work.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from jiedao.api import allow
from jiedao.api.graphql import decode_id_of
from jiedao.plugins.mediation.access import Actor
from jiedao.plugins.mediation.documents.access import CASE_READ, Document, reach
from jiedao.plugins.mediation.documents.web import url_of


@strawberry.type(description="A document to download with 'Authorization: Bearer <token>' (GET on url).")
class DocumentLink:
    url: str = strawberry.field(description="Path on this server, e.g. /mediation/changqing/cases/<id>/agreement.pdf.")
    content_type: str = strawberry.field(description="Always application/pdf.")


@strawberry.type(description="A case's documents you may download: null where there is none or it is not for you.")
class MediationDocuments:
    agreement: DocumentLink | None = strawberry.field(
        description="The 人民调解协议书 (a draft is marked as not in effect); null without a written agreement. "
        "For the case's mediators, studio, street staff and the parties."
    )
    archive: DocumentLink | None = strawberry.field(description="The case archive (卷宗): for the case's mediators, studio and street staff only.")


@strawberry.type
class DocumentsQuery:
    @strawberry.field(permission_classes=allow(CASE_READ), description="Links to a case's PDF documents; null for a case you may not see.")
    async def mediation_documents(self, info: strawberry.Info, case_id: Annotated[strawberry.ID, strawberry.argument(description="The global ID of the Case.")]) -> MediationDocuments | None:
        ctx = info.context
        found = await reach(ctx, Actor.of(ctx), decode_id_of(case_id, "Case", "caseId"))
        if found.case is None:
            return None

        def link(document: Document) -> DocumentLink | None:
            return DocumentLink(url=url_of(ctx.street, case_id, document), content_type="application/pdf") if found.allows(document) else None

        return MediationDocuments(agreement=link(Document.AGREEMENT), archive=link(Document.ARCHIVE))
