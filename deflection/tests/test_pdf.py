"""The PDF renderer reads only our static files and escapes user text."""

import subprocess

import pytest
from django.template import engines

from deflection import pdf


def test_fetcher_serves_our_static_css():
    body, mime_type = pdf.read_static(pdf.PDF_BASE_URL + "static/css/pdf.css")
    assert b"@page" in body
    assert mime_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/static/css/pdf.css",
        "http://deflection.invalid/static/css/pdf.css",
        "file:///etc/passwd",
        pdf.PDF_BASE_URL + "static/../../etc/passwd",
        pdf.PDF_BASE_URL + "media/uploads/secret.pdf",
        pdf.PDF_BASE_URL + "static/does-not-exist.css",
    ],
)
def test_fetcher_refuses_everything_else(url):
    with pytest.raises(pdf.ForbiddenResource):
        pdf.read_static(url)


def test_render_pdf_escapes_user_text_and_ignores_remote_images(tmp_path):
    engine = engines["django"]
    template = engine.from_string(
        '{% extends "pdf/base.html" %}{% block content %}<h1>{{ title }}</h1>'
        '<img src="https://example.org/tracker.png">{% endblock %}'
    )
    html = template.render({"title": "<script>alert(1)</script> Hello"})
    assert "&lt;script&gt;" in html
    data = pdf.html_to_pdf(html)
    out = tmp_path / "x.pdf"
    out.write_bytes(data)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "<script>alert(1)</script> Hello" in text
