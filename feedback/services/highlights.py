"""Research and data highlights: a finding, a link, or a checked upload (the checklist's "share research and data")."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile

from deflection.access import coordinates
from deflection.audit import AuditContext, audit_log
from deflection.errors import ServiceError
from deflection.models import Program, User
from feedback.models import (
    FileType,
    Highlight,
    HighlightKind,
)
from feedback.uploads import check_upload

# --- Research and data highlights ---------------------------------------------

UPLOAD_TYPES = {
    HighlightKind.CHART: {FileType.PNG, FileType.JPEG},
    HighlightKind.FILE: {FileType.PNG, FileType.JPEG, FileType.PDF},
}


def highlight_post(
    *,
    program: Program,
    author: User,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    upload: UploadedFile | None = None,
    audit: AuditContext | None = None,
) -> Highlight:
    """Publish a research or data item to everyone in the program."""
    if not coordinates(author, program):
        raise PermissionDenied("Only the program's coordinators post highlights.")
    title, body, url = title.strip(), (body or "").strip(), (url or "").strip()
    if not title:
        raise ServiceError("Give the item a title.")
    if kind == HighlightKind.FINDING and not body:
        raise ServiceError("Write the finding.")
    if kind == HighlightKind.LINK and not url.startswith(("https://", "http://")):
        raise ServiceError("Give a web address starting with https://.")
    highlight = Highlight(program=program, kind=kind, title=title, body=body, created_by=author)
    if kind == HighlightKind.LINK:
        highlight.url = url
    if kind in UPLOAD_TYPES:
        if upload is None:
            raise ServiceError("Choose a file to upload.")
        # Checked again here, not only in the form: the service is the one way in.
        file_type = check_upload(upload, allowed=UPLOAD_TYPES[kind])
        highlight.file_type = file_type
        highlight.file_size = upload.size
        highlight.file_name = (upload.name or "")[-150:]
        highlight.file.save("upload", upload, save=False)
    highlight.save()
    audit_log(action="feedback.highlight.post", context=audit, actor=author, obj=highlight, detail={"kind": kind})
    return highlight
