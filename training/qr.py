"""QR codes for session check-in, drawn as inline SVG (no image files, nothing the CSP must allow)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import qrcode
import qrcode.image.svg

SVG_NS = "http://www.w3.org/2000/svg"


def qr_svg(data: str, *, label: str) -> str:
    """An accessible <svg> for `data`, sized by CSS (the `qr-code` class) rather than fixed millimetres."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    ET.register_namespace("", SVG_NS)
    root = ET.fromstring(image.to_string(encoding="unicode"))  # noqa: S314  (our own qrcode output, not user XML)
    for attribute in ("width", "height"):
        root.attrib.pop(attribute, None)
    root.set("class", "qr-code")
    root.set("role", "img")
    root.set("aria-label", label)
    return ET.tostring(root, encoding="unicode")
