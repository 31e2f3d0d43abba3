"""PDF rendering with WeasyPrint, from Django templates (`templates/documents/`): one print
stylesheet (`documents/print.css`), the project's own font (Liberation Sans, shipped in
`documents/fonts/`, so that every machine renders the same), French, A4, with the document's
title and language in the PDF's metadata."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from common.typography import spaced_html

FONT_DIR = Path(__file__).resolve().parent / "fonts"


def stylesheet() -> str:
    return render_to_string("documents/print.css", {"font_dir": FONT_DIR.as_uri()})


def render_html(template: str, context: dict) -> str:
    with translation.override("fr"):
        html = render_to_string(
            template,
            {
                "stylesheet": stylesheet(),
                "programme_email": settings.PROGRAMME_CONTACT_EMAIL,
                "programme_phone": settings.PROGRAMME_CONTACT_PHONE,
                "e_parcourspro_url": settings.E_PARCOURSPRO_URL,
                "e_parcourspro_help_url": settings.SITE_URL + reverse("elearning:first_login"),
                **context,
            },
        )
    return spaced_html(html)


def render_pdf(template: str, context: dict) -> bytes:
    """The PDF of `template` (a full HTML page with <html lang="fr"> and a <title>)."""
    from weasyprint import HTML  # heavy import: only where a document is generated

    html = render_html(template, context)
    return HTML(string=html, base_url=str(FONT_DIR)).write_pdf(
        pdf_variant="pdf/ua-1", uncompressed_pdf=False
    )


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
