"""An encrypted election with write-ins (另选他人, docs/ballot-crypto.md §6.1) in the pages, in
Debian's Chromium against a real server: three 监票人 make the key on their own devices; a deputy
writes a name on the tablet, challenges the sealed ballot (the name it sealed is shown), then casts
a fresh one; the rest of the hall casts from Python as ``python -m terminals.client`` does. After
the close the console and the hall screen say which round the 监票人 are in; each round — the
totals, each ballot's number of write-ins, the names — is decrypted on the scrutineer page by
another two of the three, and the result names the person written in.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.browser.pages import HALL, TABLET_LANDSCAPE, Hall, wait_text
from tests.browser.test_encrypted_pages import cast_encrypted, make_accounts, passphrase, scrutineers, staff_page
from tests.server.session_helpers import ok

pytestmark = pytest.mark.browser

TRUSTEES = ["jianpiao1", "jianpiao2", "jianpiao3"]
NAMES = ["监票人甲", "监票人乙", "监票人丙"]
PASSPHRASES = [f"第{i}位监票人的口令 horse" for i in range(1, 4)]


def decrypt(page: Any, vote_id: str, button: str, note: str | None) -> None:
    """One 监票人 decrypts the round the vote is in, from the scrutineer page (its key still unlocked
    since the ceremony; the passphrase prompt is tests/browser/test_encrypted_pages.py's)."""
    wait_text(page, f"[data-decrypt='{vote_id}']", button)
    page.click(f"[data-decrypt='{vote_id}']")
    page.wait_for_selector("#decrypt-confirm")
    page.click(".modal .btn-primary")
    if note is not None:  # (the last one's vote leaves the list for the results)
        wait_text(page, f"[data-note='{vote_id}']", note)


def test_a_name_written_in_on_the_tablet_is_sealed_challenged_and_counted_after_two_write_in_rounds(
        hall: Hall) -> None:
    make_accounts(hall, TRUSTEES, NAMES)
    staff = staff_page(hall)
    for username in TRUSTEES:
        staff.click(f"[data-add='{username}']")
    staff.click("#ceremony-start")
    staff.click(".modal .btn-primary")
    devices = scrutineers(hall, TRUSTEES)
    for page, text in zip(devices, PASSPHRASES, strict=True):
        page.click("#step-1:not([disabled])")
        passphrase(page, text, twice=True)
        wait_text(page, "#keys-notice", "第一步已完成")
    for step in ("2", "3"):
        for page in devices:
            page.click(f"#step-{step}:not([disabled])")
            wait_text(page, "#keys-notice", f"第{'二' if step == '2' else '三'}步已完成")
    for page in devices:
        wait_text(page, "#keys-held", "与选举公钥相符")

    # -- the deputy writes a name in, challenges the sealed ballot, then casts afresh ----------------
    frames: list[dict[str, Any]] = []
    booth = hall.deputy(0, TABLET_LANDSCAPE, frames=frames)
    hall.staff_check_in(39, skip=1)  # 40 of 60: the quorum of an election
    election = hall.item("副县长")
    a, b, _c = election["definition"]["candidates"]
    vote_id = ok(hall.chair.post(f"/api/items/{election['id']}/open", json={}))["vote_id"]
    booth.wait_for_selector("#t-encrypted-tag")
    assert booth.locator("[data-writein]").count() == 2  # one slot per place (seats 2)
    booth.click(f".t-row[data-key='{a}'] [data-option=yes]")
    booth.fill("[data-writein='0']", "王五")
    wait_text(booth, "#t-count", "赞成 2 / 应选 2 名")
    booth.click("#t-next")
    assert "另选他人：王五" in booth.inner_text("#t-review")
    booth.click("#t-submit")
    booth.wait_for_selector("#t-sealed")
    booth.click("#t-challenge")
    wait_text(booth, "#t-opened", "另选他人：王五")
    lines = booth.locator("#t-opened li").all_inner_texts()
    assert lines[0] == f"{a}：赞成" and lines[-1] == "另选他人：王五"
    booth.click("#t-reseal")
    booth.wait_for_selector("#t-sealed")
    booth.click("#t-cast")
    booth.wait_for_selector("#t-status[data-state=recorded]")
    [frame] = [f for f in frames if f.get("type") == "ballot"]
    assert len(frame["ballot"]["write_ins"]) == 2 and "王五" not in json.dumps(frame, ensure_ascii=False)

    cast_encrypted(hall, vote_id, [{"marks": {a: "yes", b: "yes"}}] * 30
                   + [{"marks": {b: "no"}, "write_ins": ["王五", "赵六"]}] * 2, skip=1)
    assert hall.vote(vote_id)["cast"] == 33

    # -- the close; three rounds, each by another two of the three ---------------------------------
    chair = hall.page(TABLET_LANDSCAPE)
    chair.goto(f"{hall.url}/chair")
    hall.sign_in(chair, "chair", "demo-chair-2026")
    screen = hall.page(HALL)
    screen.goto(f"{hall.url}/screen/{hall.meeting_id}")
    assert hall.chair.post(f"/api/votes/{vote_id}/close").status_code == 202
    wait_text(chair, "#decrypting", "等待监票人解密（合计：已解密 0/2）")
    wait_text(chair, "#result", "再分两轮解密另选他人")
    wait_text(screen, "#s-decrypting", "合计：已解密 0/2 位监票人")

    first, second, third = devices
    decrypt(first, vote_id, "解密本项合计", "已解密 1/2")
    decrypt(second, vote_id, "解密本项合计", "接下来解密另选他人第一轮")
    wait_text(chair, "#decrypting", "另选他人第一轮：已解密 0/2")
    wait_text(screen, "#s-decrypting", "另选他人第一轮")
    wait_text(third, f"[data-vote='{vote_id}'] .decrypt-round", "现在：另选他人第一轮")
    decrypt(third, vote_id, "解密另选他人（第一轮", "已解密 1/2")
    decrypt(second, vote_id, "解密另选他人（第一轮", "接下来解密另选他人第二轮")
    wait_text(chair, "#decrypting", "另选他人第二轮：已解密 0/2")
    decrypt(third, vote_id, "解密另选他人（第二轮", "已解密 1/2")
    decrypt(first, vote_id, "解密另选他人（第二轮", None)
    wait_text(first, f"[data-result='{vote_id}']", "结果已产生")

    result = hall.vote(vote_id)["result"]
    assert result["write_ins"] == {"王五": 3, "赵六": 2}
    wait_text(first, f"[data-result='{vote_id}']", re.escape(result["announcement"]))
    wait_text(chair, "#announcement", re.escape(result["announcement"]))
    assert "王五" in result["announcement"]
