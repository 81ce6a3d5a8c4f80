"""render.to_pdf: the page's stylesheets parsed once per process, its images fetched from memory,
and the PDF WeasyPrint makes of the page as it is."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import pytest
import weasyprint
from PIL import Image
from pypdf import PdfReader

from ptdv.report import render


def png_data_uri(color: tuple[int, int, int], size: tuple[int, int] = (120, 60)) -> str:
    pixels = np.zeros((size[1], size[0], 3), dtype=np.uint8)
    pixels[:] = color
    pixels[10:20, 10:110] = (255, 255, 255)  # a band, so that the image is not one colour
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


HEAD_CSS = [
    "body { font-family: 'DejaVu Sans'; font-size: 11pt } .n { color: #16365c } h1 { color: red }",
    "@page { size: A4; margin: 2cm; @bottom-right { content: counter(page) '/' counter(pages) } }"
    " h1 { font-size: 16pt; color: #7b5ea7 } img { width: 8cm }",  # the later h1 rule wins
]


def page(body: str) -> str:
    styles = "".join(f'<style type="text/css">{css}</style>' for css in HEAD_CSS)
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Báo cáo</title>'
        f"{styles}</head><body>{body}</body></html>"
    )


BODY = (
    "<h1>Tiến độ phát triển đoàn viên — Thanh Hóa</h1>"
    '<p class="n">61.392 / 120.000 · 51,16%</p>'
    f'<img alt="Lũy kế" src="{png_data_uri((22, 54, 92))}">'
    f'<p>Số công đoàn cơ sở</p><img alt="Tiến độ" src="{png_data_uri((200, 40, 40))}">'
)


def pdf_parts(pdf: bytes) -> list[bytes]:
    """Return what each page of a PDF draws: its content stream (each image's name, a hash of
    the image's address, blanked) and its images' pixels."""
    parts = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        parts.append(re.sub(rb"/i[0-9a-f]{32}", b"/image", page.get_contents().get_data()))
        parts += [image.image.tobytes() for image in page.images]
    return parts


def as_weasyprint_makes_it(html: str, tmp_path: Path) -> bytes:
    return weasyprint.HTML(string=html, base_url=str(tmp_path)).write_pdf()


def test_a_pdf_is_the_pdf_of_the_page_as_it_is(tmp_path: Path) -> None:
    html = page(BODY)
    out = render.to_pdf(html, tmp_path / "a.pdf")
    ours, theirs = out.read_bytes(), as_weasyprint_makes_it(html, tmp_path)
    assert ours != theirs  # the images' names differ: they hash the images' addresses
    assert pdf_parts(ours) == pdf_parts(theirs)
    parts = pdf_parts(ours)
    assert len(parts) == 3  # one page, two images
    assert b"0.086275 0.211765 0.360784 rg" in parts[0]  # #16365c, the head's .n rule
    text = PdfReader(io.BytesIO(ours)).pages[0].extract_text()
    assert "61.392 / 120.000 · 51,16%" in text and "1/1" in text  # the @page rule's footer


def test_a_page_with_a_style_in_its_body_keeps_its_stylesheets(tmp_path: Path) -> None:
    # a <style> in the body (a pandas table's, say) comes after the head's: the head's are
    # left in place, since given apart they would lose to it whatever their specificity
    html = page("<style>p { color: #ff0000 } p.n { font-weight: bold }</style>" + BODY)
    html_body = render._for_weasyprint(html)[0]
    assert html_body.count("<style") == 3 and "data:image" not in html_body
    ours = render.to_pdf(html, tmp_path / "b.pdf").read_bytes()
    assert pdf_parts(ours) == pdf_parts(as_weasyprint_makes_it(html, tmp_path))


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of each stylesheet WeasyPrint parses while the test runs."""
    made: list[str] = []
    css = weasyprint.CSS

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        made.append(kwargs.get("string", ""))
        return css(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "CSS", counted)
    return made


def test_the_stylesheets_are_parsed_once_per_process(tmp_path: Path, parsed: list[str]) -> None:
    render._SHEETS.clear()
    first = render.to_pdf(page(BODY), tmp_path / "1.pdf").read_bytes()
    other = BODY.replace("Thanh Hóa", "Hà Nội")
    second = render.to_pdf(page(other), tmp_path / "2.pdf").read_bytes()
    assert parsed == HEAD_CSS  # parsed for the first page only
    assert pdf_parts(second) == pdf_parts(as_weasyprint_makes_it(page(other), tmp_path))
    assert first != second


def test_only_the_pages_own_images_are_answered_from_memory(tmp_path: Path) -> None:
    html, _, fetcher = render._for_weasyprint(page(BODY))
    assert re.findall(r'src="([^"]+)"', html) == ["ptdv-embedded:0", "ptdv-embedded:1"]
    answer = fetcher.fetch("ptdv-embedded:1")
    assert answer.headers.get_content_type() == "image/png"
    assert answer.read()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(Exception):  # noqa: B017, PT011 - an address no image of the page has
        fetcher.fetch("ptdv-embedded:2")


def test_the_collector_is_paused_while_a_pdf_is_laid_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    seen: list[bool] = []
    write_pdf = weasyprint.HTML.write_pdf

    def spied(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append(gc.isenabled())
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", spied)
    assert gc.isenabled()
    out = render.to_pdf(page(BODY), tmp_path / "c.pdf")
    assert seen == [False] and gc.isenabled()  # paused for the layout, running again after
    assert pdf_parts(out.read_bytes()) == pdf_parts(as_weasyprint_makes_it(page(BODY), tmp_path))


def test_a_warm_up_leaves_a_reports_stylesheets_parsed(tmp_path: Path, parsed: list[str]) -> None:
    # ptdv run warms up while its kernel cleans: a report converted after needs no stylesheet
    # parsed again, and the warm-up runs once a process
    import nbformat

    render._SHEETS.clear()
    render.warm_up.cache_clear()
    render.warm_up("vi")
    assert len(render._SHEETS) == 2 and len(parsed) == 2  # the template's two <style>s
    parsed.clear()
    render.warm_up("vi")  # once a process: nothing done again
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("display(HTML(x))")
    cell.outputs = [nbformat.v4.new_output("display_data", {"text/html": BODY})]
    nb.cells.append(cell)
    nbformat.write(nb, tmp_path / "r.ipynb")
    out = render.to_pdf(render.to_html(tmp_path / "r.ipynb", "Thanh Hóa"), tmp_path / "r.pdf")
    assert parsed == []
    assert "61.392 / 120.000 · 51,16%" in PdfReader(out).pages[0].extract_text()
