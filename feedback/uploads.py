"""Upload checks for highlight files: PNG, JPEG or PDF only, judged by their first bytes, at most 5 MB.

The extension is only a claim; the bytes decide. A file whose name and
contents disagree (a program renamed to .pdf, a PDF renamed to .png) is
refused, so what we store and later serve is exactly what its type says.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from feedback.models import FileType

MAX_UPLOAD_BYTES = 5 * 1024 * 1024

# The signature each accepted type starts with.
MAGIC = {
    FileType.PNG: b"\x89PNG\r\n\x1a\n",
    FileType.JPEG: b"\xff\xd8\xff",
    FileType.PDF: b"%PDF-",
}
EXTENSIONS = {
    ".png": FileType.PNG,
    ".jpg": FileType.JPEG,
    ".jpeg": FileType.JPEG,
    ".pdf": FileType.PDF,
}
# Signatures of common types people try to upload, so the refusal can name what the file really is.
KNOWN_OTHERS = [
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive or Office document"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"RIFF", "a WebP image or a media file"),
    (b"<", "a web page or SVG"),
]

ALLOWED_SUMMARY = "Only PNG or JPEG images and PDF documents can be posted"


def sniff(head: bytes) -> FileType | None:
    for file_type, magic in MAGIC.items():
        if head.startswith(magic):
            return file_type
    return None


def _describe(head: bytes) -> str:
    for magic, description in KNOWN_OTHERS:
        if head.lstrip().startswith(magic):
            return description
    return "not a PNG, JPEG or PDF file"


# A photo from a phone is about 12 million pixels. A small file can claim far more (a PNG of one colour
# that says 30000x30000 compresses to kilobytes) and would take gigabytes to decode for a PDF or thumbnail.
MAX_IMAGE_PIXELS = 40_000_000
_JPEG_SIZE_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_dimensions(data: bytes, kind: FileType) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR or a JPEG's start-of-frame, without decoding; None if not found."""
    if kind == FileType.PNG:
        if len(data) >= 24 and data[12:16] == b"IHDR":
            return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        return None
    if kind == FileType.JPEG:
        index = 2
        while index + 9 <= len(data):
            if data[index] != 0xFF:
                index += 1
                continue
            marker = data[index + 1]
            if marker in _JPEG_SIZE_MARKERS:
                return int.from_bytes(data[index + 7 : index + 9], "big"), int.from_bytes(data[index + 5 : index + 7], "big")
            if marker in {0xD8, 0x01} or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                index += 2 if marker != 0xFF else 1
                continue
            index += 2 + int.from_bytes(data[index + 2 : index + 4], "big")
    return None


def _human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_upload(upload: UploadedFile, *, allowed: set[FileType] | None = None) -> FileType:
    """The upload's real type, or a ValidationError that tells the person what to do instead."""
    allowed = allowed or set(FileType)
    allowed_names = ", ".join(FileType(t).label for t in FileType if t in allowed)
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"The file is {_human_size(upload.size)}; the limit is 5 MB. Export a smaller image or PDF and try again.",
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError("The file is empty.", code="empty")
    name = (upload.name or "").lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    claimed = EXTENSIONS.get(extension)
    if claimed is None:
        raise ValidationError(
            f"{ALLOWED_SUMMARY} (.png, .jpg, .pdf); “{extension or 'no extension'}” is not one of them.",
            code="wrong_type",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    actual = sniff(head)
    if actual is None:
        raise ValidationError(
            f"The file is named {extension} but its contents are {_describe(head)}. {ALLOWED_SUMMARY}.",
            code="disguised",
        )
    if actual != claimed:
        raise ValidationError(
            f"The file is named {extension} but its contents are a {FileType(actual).label}. "
            f"Rename it to match, or export it again.",
            code="disguised",
        )
    if actual not in allowed:
        raise ValidationError(f"This kind of item takes: {allowed_names}.", code="wrong_type")
    if actual in {FileType.PNG, FileType.JPEG}:
        upload.seek(0)
        dimensions = image_dimensions(upload.read(256 * 1024), actual)
        upload.seek(0)
        if dimensions is None:
            raise ValidationError("The image's size could not be read. Export it again and try again.", code="unreadable")
        width, height = dimensions
        if width * height > MAX_IMAGE_PIXELS:
            raise ValidationError(
                f"The image is {width} × {height} pixels; the limit is {MAX_IMAGE_PIXELS // 1_000_000} million pixels. "
                "Export a smaller image and try again.",
                code="too_many_pixels",
            )
    return actual
