"""HTML to PDF/A-3b with WeasyPrint: A4, the Noto CJK fonts embedded, nothing fetched from outside.

The documents reference only the attachments handed to ``render`` (``attachment:<id>`` URLs);
every other URL — ``file:``, ``http:``, ``data:`` — is refused, so no field and no attachment can
make the renderer read the server's files or call the network. Rendering is CPU work: it runs in
one worker thread, one document at a time, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache

from jiedao.plugins.mediation.documents.markup import stylesheet

log = logging.getLogger(__name__)

ATTACHMENT_SCHEME = "attachment:"
PDF_VARIANT = "pdf/a-3b"
"""PDF/A-3b, the archival profile: every font embedded, colours with an output intent, XMP
metadata (as WeasyPrint writes it; no validator runs in the tests)."""
_executor: ThreadPoolExecutor | None = None


@dataclass(frozen=True)
class Image:
    """An image to embed: its bytes and media type (checked by ``archive.embeddable``)."""

    data: bytes
    media_type: str


@cache
def _weasyprint():
    """WeasyPrint and the fetcher class, imported on the first rendering (not when the plugin
    loads: the import parses stylesheets and takes a while), its progress log quieted."""
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    class OnlyAttachments(URLFetcher):
        """Serves ``attachment:<id>`` from the images given, refuses (and remembers) every other URL."""

        def __init__(self, images: dict[str, Image]):
            super().__init__(allowed_protocols=())
            self.images = images
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            """The image behind ``url``, or ``ValueError`` (WeasyPrint then leaves it out)."""
            image = self.images.get(url) if url.startswith(ATTACHMENT_SCHEME) else None
            if image is None:
                self.refused.append(url)
                raise ValueError(f"the mediation documents fetch nothing but their attachments: {url[:80]}")
            return URLFetcherResponse(url, image.data, headers={"Content-Type": image.media_type})

    return weasyprint, OnlyAttachments


@dataclass
class Rendered:
    """A rendered PDF and the URLs the renderer was refused (for the logs and the tests)."""

    pdf: bytes
    refused: list[str] = field(default_factory=list)


def render_now(html: str, images: dict[str, Image] | None = None) -> Rendered:
    """Lay ``html`` out as a PDF in this thread (the documents' CSS applied)."""
    weasyprint, OnlyAttachments = _weasyprint()
    fetcher = OnlyAttachments(images or {})
    document = weasyprint.HTML(string=html, url_fetcher=fetcher)
    pdf = document.write_pdf(stylesheets=[weasyprint.CSS(string=stylesheet(), url_fetcher=fetcher)], pdf_variant=PDF_VARIANT)
    if fetcher.refused:
        log.warning("mediation document: refused %d URL(s), e.g. %s", len(fetcher.refused), fetcher.refused[0][:80])
    return Rendered(pdf, fetcher.refused)


async def in_renderer(work, *args):
    """``work(*args)`` in the renderer's worker thread, awaited without blocking the event loop."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mediation-pdf")
    return await asyncio.get_running_loop().run_in_executor(_executor, work, *args)


async def render(html: str, images: dict[str, Image] | None = None) -> Rendered:
    """``render_now`` in the renderer's worker thread."""
    return await in_renderer(render_now, html, images)
