"""Read a generated PDF as the checks do: its text (pypdf), whitespace collapsed, and its
metadata."""

from pypdf import PdfReader


def reader(field_file) -> PdfReader:
    field_file.open("rb")
    try:
        return PdfReader(field_file)
    finally:
        pass


def text(field_file) -> str:
    pdf = reader(field_file)
    content = " ".join(page.extract_text() for page in pdf.pages)
    field_file.close()
    return " ".join(content.split())
