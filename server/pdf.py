"""The print pages as PDF, for the archive (issue 16): the same HTML the browser prints, laid out by
WeasyPrint in the server process, no browser and no network.

    to_pdf(html) -> bytes

The page's own stylesheet (``/static/common.css``, its ``@media print`` rules and ``@page`` size)
is read from terminals/static; any other address the page names is refused, so rendering never
reaches the network. Chinese text is set in Noto Sans CJK SC (Debian's ``fonts-noto-cjk``, which
scripts/setup.sh installs with pango); WeasyPrint embeds the subset of every font it uses, so the
PDF reads the same on a machine without these fonts.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from terminals import STATIC

BASE_URL = "http://print.invalid/"
"""The base the page's relative and root-relative addresses resolve against (never fetched)."""

PDF = "application/pdf"

logging.getLogger("weasyprint").setLevel(logging.ERROR)  # not a warning per screen-only CSS rule it skips


class PdfUnavailable(RuntimeError):
    """WeasyPrint or its system libraries (pango) are missing: run scripts/setup.sh."""


def _static_file(url: str) -> Path:
    """The file under terminals/static a page's address names; anything else is refused."""
    parts = urlsplit(url)
    path = parts.path
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not path.startswith("/static/"):
        raise ValueError(f"PDF 排版不取外部资源：{url}")
    file = (STATIC / path.removeprefix("/static/")).resolve()
    if not file.is_relative_to(STATIC.resolve()) or not file.is_file():
        raise ValueError(f"没有这个静态文件：{path}")
    return file


def to_pdf(html: str) -> bytes:
    """Lay out one print page (a complete HTML document) as an A4 PDF."""
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]
        from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]
    except (ImportError, OSError) as error:  # pragma: no cover - a machine set up without scripts/setup.sh
        raise PdfUnavailable(f"无法生成 PDF：{error}") from error

    class LocalOnly(URLFetcher):  # type: ignore[misc]
        """Only files under terminals/static; nothing from a network."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            file = _static_file(url)
            kind = "text/css; charset=utf-8" if file.suffix == ".css" else "application/octet-stream"
            return URLFetcherResponse(url, file.read_bytes(), {"Content-Type": kind})

    document = HTML(string=html, base_url=BASE_URL, url_fetcher=LocalOnly(), media_type="print")
    data = document.write_pdf()
    assert isinstance(data, bytes)
    return data
