"""The key and the checkpoint out of band, and the people who sign can check (issue 15, items 5
and 7), in Debian's Chromium: the audit key's fingerprint on the deputies' code sheet and on the
hall screen before the first vote; the QR code on a printed result sheet decodes to the signed
checkpoint that covers the result; a 计票人 and the auditor run the verifier from their pages and
read its report in Chinese."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import zipfile
from typing import Any

import pytest

from audit import cosignature
from audit.logfile import decode_checkpoint_line
from tests.browser.pages import HALL, TABLET_LANDSCAPE, Hall, in_view, read_now, shot, wait_text
from tests.server.session_helpers import login, ok

pytestmark = pytest.mark.browser

#: Draw an inline SVG into a canvas, as a printer would, and hand back its grey levels (base64).
RASTERIZE = """async ([selector, size]) => {
  const svg = document.querySelector(selector).cloneNode(true);
  svg.setAttribute("width", size); svg.setAttribute("height", size);
  const image = new Image();
  const source = new XMLSerializer().serializeToString(svg);
  await new Promise((done, failed) => { image.onload = done; image.onerror = failed;
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(source); });
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff"; context.fillRect(0, 0, size, size);
  context.drawImage(image, 0, 0, size, size);
  const rgba = context.getImageData(0, 0, size, size).data;
  let grey = "";
  for (let i = 0; i < size * size; i++) grey += String.fromCharCode(rgba[4 * i + 1]);
  return btoa(grey);
}"""


def decode_qr(page: Any, selector: str, size: int = 640) -> str:
    """The text of the QR code the page draws at ``selector``, read by zxing-cpp from the pixels."""
    zxingcpp = pytest.importorskip("zxingcpp")
    grey = base64.b64decode(page.evaluate(RASTERIZE, [selector, size]))
    found = zxingcpp.read_barcodes(memoryview(grey).cast("B", (size, size)))
    assert len(found) == 1, f"{len(found)} QR codes read at {selector}"
    text: str = found[0].text
    return text


def fingerprint_of(vkey: str) -> str:
    digest = hashlib.sha256(vkey.encode("ascii")).hexdigest().upper()
    return " ".join(digest[i:i + 4] for i in range(0, 64, 4))


def test_the_code_sheet_and_the_hall_screen_show_the_same_key_fingerprint(hall: Hall) -> None:
    vkey = hall.staff.get("/api/audit/vkey").text.strip()
    printed = fingerprint_of(vkey)  # docs/verifier-spec.md §3.3, computed here from the vkey alone

    staff = hall.page(TABLET_LANDSCAPE)
    staff.goto(f"{hall.url}/staff")
    hall.sign_in(staff, "staff", "demo-staff-2026")
    staff.wait_for_selector("#roll-table tbody tr")
    staff.click("[data-tab=codes]")
    staff.click("#issue-all")
    staff.fill("#d-code-reason", "开幕前统一发放")
    staff.click(".modal .btn-primary")
    staff.wait_for_selector("#codes-table tbody tr")
    with staff.context.expect_page() as popup:
        staff.click("#print-codes")
    sheet = popup.value
    sheet.wait_for_selector(".code-card svg")
    assert " ".join(sheet.inner_text("#codes-fingerprint").split()) == printed
    cards = sheet.locator(".code-card .c-key")
    assert cards.count() == 60
    assert all(" ".join(cards.nth(i).inner_text().split()[1:]) == printed for i in (0, 29, 59))
    sheet.set_viewport_size({"width": 900, "height": 1270})
    shot(sheet, "print-codes-sheet-fingerprint")
    card = sheet.locator(".code-card").first
    key_box, card_box = sheet.locator(".code-card .c-key").first.bounding_box(), card.bounding_box()
    assert key_box["y"] + key_box["height"] <= card_box["y"] + card_box["height"], "the fingerprint fits on the card"

    screen = hall.page(HALL)
    screen.goto(f"{hall.url}/screen/{hall.meeting_id}")
    wait_text(screen, "#s-key-fingerprint", printed[:9])
    assert " ".join(screen.inner_text("#s-key-fingerprint").split()) == printed
    assert in_view(screen, "#s-key") and "签到码卡片" in screen.inner_text("#s-key")
    size = read_now(screen, "#s-key-fingerprint", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 40, f"the fingerprint is {size}px: too small to read from the hall"
    shot(screen, "screen-opening-fingerprint-1920x1080")

    hall.staff_check_in(40)
    motion = hall.item("决议")
    ok(hall.chair.post(f"/api/items/{motion['id']}/open", json={}))
    wait_text(screen, ".s-state", "表决中")
    assert screen.locator("#s-key").count() == 0  # a vote on screen: only its figures


def _vote_to_result(hall: Hall) -> str:
    hall.staff_check_in(40)
    motion = hall.item("决议")
    vote_id: str = ok(hall.chair.post(f"/api/items/{motion['id']}/open", json={}))["vote_id"]
    hall.cast_over_http(vote_id, [{"choice": "yes"}] * 31 + [{"choice": "no"}] * 4, skip=0)
    ok(hall.chair.post(f"/api/votes/{vote_id}/close"))
    return vote_id


def _export(hall: Hall) -> dict[str, bytes]:
    auditor = login(hall.url, "auditor")
    archive = zipfile.ZipFile(io.BytesIO(auditor.get("/api/audit/export.zip").content))
    auditor.close()
    return {name.removeprefix("export/"): archive.read(name) for name in archive.namelist()}


def test_the_result_sheet_qr_code_decodes_to_the_checkpoint_covering_the_result(hall: Hall) -> None:
    vote_id = _vote_to_result(hall)
    files = _export(hall)
    records = [json.loads(line) for line in files["records.jsonl"].split(b"\n")[:-1]]
    result = next(r["seq"] for r in records if r["type"] == "result" and r["body"]["vote_id"] == vote_id)
    notes = [decode_checkpoint_line(line) for line in files["checkpoints.jsonl"].split(b"\n")[:-1]]
    covering = next(n for n in notes if int(n.split("\n")[1]) > result)

    chair = hall.page(TABLET_LANDSCAPE)
    chair.goto(f"{hall.url}/chair")
    hall.sign_in(chair, "chair", "demo-chair-2026")
    chair.wait_for_selector("#agenda li")
    chair.goto(f"{hall.url}/print/vote/{vote_id}")
    chair.set_viewport_size({"width": 900, "height": 1270})
    chair.wait_for_selector(".cp-block svg")
    assert decode_qr(chair, ".cp-qr svg") == covering  # the whole signed note, byte for byte
    origin, size, root = covering.split("\n")[:3]
    block = chair.inner_text(".cp-block")
    assert origin in block and root in block and f"第 {result} 号记录" in block and "监票人（签名）" in block
    assert chair.inner_text(".cp-size") == size
    chair.locator(".cp-block").first.scroll_into_view_if_needed()
    shot(chair, "print-result-sheet-checkpoint", full_page=True)

    chair.goto(f"{hall.url}/print/minutes/{hall.meeting_id}")
    chair.wait_for_selector(".cp-block svg")
    assert decode_qr(chair, ".cp-qr svg") == covering  # the motion is the meeting's last result
    shot(chair, "print-minutes-checkpoint", full_page=True)


def test_a_scrutineer_and_the_auditor_run_the_verifier_and_read_it_in_chinese(hall: Hall) -> None:
    _vote_to_result(hall)
    printed = fingerprint_of(hall.staff.get("/api/audit/vkey").text.strip())
    clerk = hall.page(TABLET_LANDSCAPE)
    clerk.goto(f"{hall.url}/scrutineer")
    hall.sign_in(clerk, "jipiao1", "demo-count-2026")
    clerk.wait_for_selector("#verify-run")
    with clerk.expect_download() as download:
        clerk.click("#export")
    assert download.value.suggested_filename == "audit-export.zip"

    typed = printed.lower()[:-5]  # a group missed when copying from the sheet
    clerk.fill("#verify-fingerprint", typed)
    clerk.click("#verify-run")
    wait_text(clerk, "#verify-error", "64 位十六进制")
    assert clerk.input_value("#verify-fingerprint") == typed  # nothing typed is lost

    clerk.fill("#verify-fingerprint", printed.lower())
    clerk.click("#verify-run")
    wait_text(clerk, "#verify-verdict-all", "^核验通过$", timeout=60_000)
    rows = clerk.locator("#verify-checks tbody tr")
    assert rows.count() == 7
    assert [rows.nth(i).locator("td b").inner_text() for i in range(7)] == ["通过"] * 7
    assert "重新计票" in clerk.inner_text("#verify-checks") and "与您输入的指纹一致" in clerk.inner_text("#verify-key")
    assert " ".join(clerk.inner_text("#verify-key-fingerprint").split()) == printed
    assert read_now(clerk, "#verify-run", "e => e.getBoundingClientRect().height") >= 48  # a touch target
    shot(clerk, "scrutineer-verify-1280x800", full_page=True)

    auditor = hall.page(TABLET_LANDSCAPE)
    auditor.goto(f"{hall.url}/audit")
    hall.sign_in(auditor, "auditor", "demo-audit-2026")
    auditor.wait_for_selector("#verify-run")
    other = fingerprint_of("renda.local+00000000+AAAA")
    auditor.fill("#verify-fingerprint", other)
    auditor.click("#verify-run")
    wait_text(auditor, "#verify-verdict-all", "^核验未通过$", timeout=60_000)
    assert "导出的公钥与公布的公钥（或其指纹）不符" in auditor.inner_text("#verify-reason")
    finding = auditor.inner_text("#verify-findings")
    assert "untrusted-key" in finding and "不指向计票有误" in finding and other in finding
    states = [auditor.locator("#verify-checks tbody tr").nth(i).locator("td b").inner_text() for i in range(7)]
    assert states == ["未通过"] + ["未进行"] * 6
    assert "与您输入的指纹不符" in auditor.inner_text("#verify-key")
    shot(auditor, "audit-verify-failed-1280x800", full_page=True)
    auditor.fill("#verify-fingerprint", "")
    auditor.click("#verify-run")
    wait_text(auditor, "#verify-verdict-all", "^核验通过$", timeout=60_000)
    assert re.search(r"请与签到码表、会场大屏上的指纹逐组核对", auditor.inner_text("#verify-key"))
    assert " ".join(auditor.inner_text("#verify-key-fingerprint").split()) == printed
    # The witnesses' keys, as the witnesses gave them: this demo has none, so none cosigned (the quorum
    # is not met); a key mistyped is named, and what was typed stays.
    witness = cosignature.generate("jianpiao.example/zhang").vkey
    auditor.fill("#verify-witnesses", witness)
    auditor.fill("#verify-quorum", "1")
    auditor.click("#verify-run")
    wait_text(auditor, "#verify-verdict-all", "^核验未通过$", timeout=60_000)
    assert auditor.get_attribute('#verify-checks tr[data-check="witnesses"]', "data-state") == "fail"
    assert "副署最新检查点的受信见证人少于要求的法定数" in auditor.inner_text("#verify-reason")
    assert "0 / 1（法定数 1）" in auditor.inner_text("#verify-report")
    assert "jianpiao.example/zhang 未副署" in auditor.inner_text("#verify-witnesses-report")
    auditor.fill("#verify-witnesses", witness[:-4])
    auditor.click("#verify-run")
    wait_text(auditor, "#verify-error", "见证人公钥格式错误")
    assert auditor.input_value("#verify-witnesses") == witness[:-4]
