"""Which stored files may be drawn on a document: real PNG, JPEG, GIF or WebP images (Pillow
reads them, whatever type the uploader claimed) of reasonable size; SVG only for the committee's
seal, whose image staff with ``mediation.committee.manage`` record — and even then the
renderer's fetcher lets it reference nothing."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ElementTree

from PIL import Image as PILImage

from jiedao.plugins.mediation.documents.pdf import Image

IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000
"""Larger images are listed, not embedded (a photo from a phone has about 12 million)."""


class NotDrawable(ValueError):
    """Why a file is not drawn (the message is printed in the list of attachments)."""


def drawable(data: bytes, claimed_type: str, *, svg: bool = False) -> Image:
    """``data`` as an image to embed; ``NotDrawable`` saying why not."""
    if claimed_type == "image/svg+xml":
        if not svg:
            raise NotDrawable("未嵌入（矢量图，请单独查看）")
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError:
            raise NotDrawable("未嵌入（无法识别的图片）") from None
        if root.tag not in ("svg", "{http://www.w3.org/2000/svg}svg"):
            raise NotDrawable("未嵌入（无法识别的图片）")
        return Image(data, "image/svg+xml")
    if not claimed_type.startswith("image/"):
        raise NotDrawable("未嵌入（非图片，请单独查看）")
    try:
        with PILImage.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
            image.verify()
    except Exception:  # noqa: BLE001 - any decoding failure means "not an image we draw"
        raise NotDrawable("未嵌入（无法识别的图片）") from None
    if kind not in IMAGE_FORMATS:
        raise NotDrawable("未嵌入（不支持的图片格式）")
    if width * height > MAX_PIXELS:
        raise NotDrawable("未嵌入（图片过大）")
    return Image(data, IMAGE_FORMATS[kind])


def stored(store, reference: str | None, claimed_type: str | None, *, svg: bool = False) -> Image:
    """The file ``reference`` of ``store`` as an image to embed; ``NotDrawable`` saying why not."""
    try:
        data = store.get(reference or "")
    except (KeyError, OSError):
        raise NotDrawable("文件缺失") from None
    return drawable(data, claimed_type or "", svg=svg)
