"""Issue 16 item 6: every print page (result sheet, scrutineer report, minutes, code sheet) as a
PDF with the same text as the HTML, its Chinese fonts embedded, laid out in the server process
(server/pdf.py) without a browser or the network."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from typing import Any

import httpx
import pypdf

from server import pdf
from tests.conftest import RunningServer
from tests.server.session_helpers import Session, choices, in_session, login, ok

_VOID = {"br", "img", "meta", "link", "input", "hr", "col", "source"}
_SPACE = re.compile(r"\s+")


class _Printed(HTMLParser):
    """The text a print page puts on paper: no script, no style, no QR drawing, no toolbar."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []  # per open element: hidden on paper
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        self.stack.append(tag in ("script", "style", "svg", "title", "head") or "print-toolbar" in classes)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not any(self.stack):
            self.text.append(data)


def _html_text(page: str) -> str:
    parser = _Printed()
    parser.feed(page)
    return _SPACE.sub("", "".join(parser.text))


def _pdf(response: httpx.Response) -> pypdf.PdfReader:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(response.content))


def _pdf_text(reader: pypdf.PdfReader) -> str:
    return _SPACE.sub("", "".join(page.extract_text() for page in reader.pages))


def _embedded_fonts(reader: pypdf.PdfReader) -> set[str]:
    """The base names of the fonts the PDF carries a font file for (every font it uses, if embedded)."""
    names: set[str] = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                assert descriptor is not None, font
                descriptor = descriptor.get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), \
                    f"{font['/BaseFont']} is not embedded"
                names.add(str(font["/BaseFont"]))
    return names


def _same_as_html(client: httpx.Client, path: str, *,
                  data: dict[str, str] | None = None) -> tuple[pypdf.PdfReader, str]:
    """The page as PDF, checked against its HTML, and its text (extracted once: ~0.1 s a page)."""
    as_pdf = path + ("&" if "?" in path else "?") + "format=pdf"
    if data is None:
        page, printed = client.get(path), client.get(as_pdf)
    else:
        page, printed = client.post(path, data=data), client.post(as_pdf, data=data)
    assert page.status_code == 200, page.text
    reader = _pdf(printed)
    expected = _html_text(page.text)
    assert len(expected) > 50
    text = _pdf_text(reader)
    assert text == expected
    fonts = _embedded_fonts(reader)
    assert any("CJK" in name for name in fonts), fonts
    return reader, text


def test_every_print_page_as_pdf_has_the_html_text_and_embedded_chinese_fonts(server: RunningServer) -> None:
    async def body(s: Session) -> None:
        motion = s.open(s.item("决议")["id"])
        await s.cast(motion, choices(yes=30, no=6, abstain=2))
        s.close(motion)
        election = s.item("副县长")
        names = election["definition"]["candidates"]
        vote_id = s.open(election["id"])
        await s.cast(vote_id, [{"marks": {names[0]: "yes", names[1]: "yes"}}] * 40)
        s.close(vote_id)
        scrutineer = login(s.url, "jipiao1")
        auditor = login(s.url, "auditor")

        _same_as_html(s.chair, f"/print/vote/{motion}")
        _sheet, sheet = _same_as_html(s.chair, f"/print/vote/{vote_id}")
        assert "计票结果报告" in sheet and names[0] in sheet
        _report, report = _same_as_html(scrutineer, f"/print/vote/{vote_id}?only=scrutineer")
        assert "总监票人（签名）" in report
        _minutes, minutes = _same_as_html(auditor, f"/print/minutes/{s.meeting_id}")
        assert "表决情况记录" in minutes
        cards = [{"code": c["code"], "name": c["name"], "seat": c["seat"], "group": "",
                  "member_code": str(c["member_id"])} for c in s.codes[:12]]
        codes, text = _same_as_html(s.staff, "/print/codes", data={"codes": json.dumps(cards, ensure_ascii=False)})
        assert s.codes[0]["code"] in text and len(codes.pages) >= 2

    in_session(server.url, body)


def test_a_pdf_needs_the_same_login_and_refuses_an_unknown_format(server: RunningServer) -> None:
    async def body(s: Session) -> None:
        vote_id = s.open(s.item("决议")["id"])
        s.close(vote_id)
        anonymous = httpx.Client(base_url=s.url)
        assert anonymous.get(f"/print/vote/{vote_id}", params={"format": "pdf"}).status_code == 401
        refused = s.chair.get(f"/print/vote/{vote_id}", params={"format": "docx"})
        assert refused.status_code == 400 and "格式应为 html 或 pdf" in refused.text
        scrutineer = login(s.url, "jipiao1")
        minutes = scrutineer.get(f"/print/minutes/{s.meeting_id}", params={"format": "pdf"})
        assert minutes.status_code == 403 and "无权打印会议记录" in minutes.text
        assert ok(s.chair.get(f"/api/votes/{vote_id}"))["state"] == "closed"

    in_session(server.url, body)


def test_the_pdf_renderer_fetches_nothing_outside_the_static_files() -> None:
    page = ('<!doctype html><html lang="zh-CN"><head><link rel="stylesheet" href="/static/common.css">'
            '<link rel="stylesheet" href="http://127.0.0.1:9/remote.css"></head>'
            '<body class="page-print"><h1>表决结果</h1><img src="file:///etc/passwd"></body></html>')
    for address in ("http://127.0.0.1:9/remote.css", "file:///etc/passwd", f"{pdf.BASE_URL}static/../../README.md",
                    f"{pdf.BASE_URL}labels.js"):
        try:
            pdf._static_file(address)
        except ValueError:
            continue
        raise AssertionError(f"{address} was fetched")
    assert pdf._static_file(f"{pdf.BASE_URL}static/common.css").name == "common.css"
    reader = pypdf.PdfReader(io.BytesIO(pdf.to_pdf(page)))
    assert _pdf_text(reader) == "表决结果"
