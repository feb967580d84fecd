"""HTTP routes serving a case's documents, with a bearer token (``Authorization: Bearer <token>``):

- ``GET /mediation/{street}/cases/{caseId}/agreement.pdf``: the 人民调解协议书;
- ``GET /mediation/{street}/cases/{caseId}/archive.pdf``: the case archive (卷宗).

``caseId`` is the case's GraphQL ID. Answers: 200 ``application/pdf`` as an attachment whose
name is given in UTF-8 (RFC 6266 ``filename*`` per RFC 5987, with an ASCII ``filename``
fallback), never cached; 401 without a valid token; 403 for a role without the right; 404 for
a street without mediation, a case one may not see or a case without a written agreement;
400 for a malformed ID.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from jiedao.api import DomainError
from jiedao.api.graphql import decode_id_of
from jiedao.api.messages import render_for_request, Translatable
from jiedao.api.web import authenticate, AuthenticationFailed
from jiedao.plugins.mediation.documents.access import actor_of, Document
from jiedao.plugins.mediation.documents.downloads import download, Download

STATUS = {"NOT_FOUND": 404, "NO_AGREEMENT": 404, "FORBIDDEN": 403}


def content_disposition(filename: str, ascii_filename: str) -> str:
    """``attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded UTF-8>`` (RFC 6266, 5987)."""
    return f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename, safe='')}"


def pdf_response(document: Download) -> Response:
    """The PDF as a download that no cache keeps."""
    return Response(
        document.pdf,
        media_type="application/pdf",
        headers={
            "content-disposition": content_disposition(document.filename, document.ascii_filename),
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
        },
    )


def _refuse(status: int, message: str) -> Response:
    """A plain-text refusal (``message`` already in the reader's language)."""
    headers = {"www-authenticate": 'Bearer realm="jiedao"'} if status == 401 else {}
    return PlainTextResponse(message, status_code=status, headers={"cache-control": "no-store", **headers})


def route(document: Document):
    """The endpoint serving ``document`` of a case."""

    async def serve(request: Request) -> Response:
        kernel = request.app.state.kernel
        street = request.path_params["street"]
        if street not in kernel.config.streets or "mediation" not in kernel.enabled_plugins(street):
            return _refuse(404, render_for_request(kernel, street, request.headers, Translatable("No mediation in this street.")))
        try:
            auth = await authenticate(kernel, street, request.headers.get("authorization"))
        except AuthenticationFailed as failure:
            return _refuse(403 if failure.close_code == 4403 else 401, str(failure))
        if auth.user is None:
            return _refuse(401, render_for_request(
                kernel, street, request.headers, Translatable("Send 'Authorization: Bearer <token>' obtained from the login mutation.")
            ))
        try:
            case_id = decode_id_of(request.path_params["case_id"], "Case", "caseId")
            served = await download(
                kernel, street, actor_of(auth.user, auth.permissions), auth.permissions, case_id, document,
                request.scope.get("jiedao.request_id", ""),
            )
        except DomainError as error:
            return _refuse(STATUS.get(error.code, 400), render_for_request(kernel, street, request.headers, error))
        return pdf_response(served)

    serve.__doc__ = f"``GET /mediation/{{street}}/cases/{{caseId}}/{document.value}.pdf``"
    return serve


def url_of(street: str, case_gid: str, document: Document) -> str:
    """The path of ``document`` of a case (what ``mediationDocuments`` returns)."""
    return f"/mediation/{quote(street)}/cases/{quote(case_gid)}/{document.value}.pdf"


ROUTES = tuple(Route(f"/mediation/{{street}}/cases/{{case_id}}/{d.value}.pdf", route(d), methods=["GET"]) for d in Document)
