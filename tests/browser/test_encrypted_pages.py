"""Encrypted secret votes in the pages (issue 13), in Debian's Chromium against a real server.

The whole story as the hall lives it: staff choose five 监票人 (accounts made over the API) and
start the key ceremony on the staff page; the five do its three rounds on their own devices (five
browser contexts), each device keeping its secret sealed under its 监票人's passphrase; one backs
the key up, loses the device and restores the backup on another (a wrong passphrase refused). A
motion is voted encrypted: one deputy casts on the tablet, another challenges a ballot (the values
it encrypted shown beside the labels), then casts a fresh one. The chair closes it (202): the
console and the hall screen wait for the 监票人; three of the five decrypt (one after a wrong
passphrase, one after a partial the server refused), the other two absent, and the result is on
the console and the screen. The tracking codes the tablets showed are in the audit export. A second
test: a bad share is named on the recipient's device, and staff start the ceremony again.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import secrets
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pysodium  # type: ignore[import-untyped]
import pytest
import rfc8785

from ballotcrypto.ceremony import check_commitment, read_ceremony, start
from ballotcrypto.votes import encrypt_plain
from tests.browser.pages import HALL, PHONE, TABLET_LANDSCAPE, Hall, shot, wait_text
from tests.server.session_helpers import ok

pytestmark = pytest.mark.browser

PASSWORD = "jianpiao-password-2026"
TRUSTEES = [f"jianpiao{i}" for i in range(1, 6)]
NAMES = ["监票人甲", "监票人乙", "监票人丙", "监票人丁", "监票人戊"]
PASSPHRASES = [f"第{i}位监票人的口令 horse" for i in range(1, 6)]
CODE = re.compile(r"[0-9A-F]{4}(-[0-9A-F]{4}){3}")


def make_accounts(hall: Hall, usernames: list[str], names: list[str]) -> None:
    """Staff make the 监票人 accounts over the API (a few at a time: each password is hashed slowly)."""
    def make(username: str, name: str) -> None:
        ok(hall.staff.post("/api/accounts", json={"username": username, "display_name": name, "role": "scrutineer",
                                                   "password": PASSWORD}))

    with ThreadPoolExecutor(max_workers=len(usernames)) as pool:
        list(pool.map(make, usernames, names))


def sign_in(hall: Hall, username: str) -> str:
    with httpx.Client(base_url=hall.url, timeout=60) as client:
        token: str = ok(client.post("/api/login", json={"username": username, "password": PASSWORD}))["token"]
        return token


def scrutineers(hall: Hall, usernames: list[str], requests: list[list[str]] | None = None) -> list[Any]:
    """Each 监票人's own device on the scrutineer page, signed in (over HTTP, together, and the token
    handed to the page as its sign-in form would: the form itself is tested elsewhere);
    ``requests[i]`` collects every body device i sends."""
    with ThreadPoolExecutor(max_workers=len(usernames)) as pool:
        tokens = list(pool.map(lambda username: sign_in(hall, username), usernames))
    pages = []
    for at, token in enumerate(tokens):
        page = hall.page(TABLET_LANDSCAPE)
        if requests is not None:
            page.on("request", lambda request, sent=requests[at]: sent.append(request.post_data or ""))
        page.add_init_script(f"sessionStorage.setItem('renda.token', {json.dumps(token)})")
        page.goto(f"{hall.url}/scrutineer", wait_until="commit")  # the pages load side by side
        pages.append(page)
    for page in pages:
        page.wait_for_selector("#keys")
    return pages


def staff_page(hall: Hall) -> Any:
    page = hall.page(TABLET_LANDSCAPE)
    page.goto(f"{hall.url}/staff")
    hall.sign_in(page, "staff", "demo-staff-2026")
    page.click("[data-tab=keys]")
    return page


def passphrase(page: Any, text: str, *, twice: bool = False) -> None:
    page.fill("#pp-1", text)
    if twice:
        page.fill("#pp-2", text)
    page.click(".modal .btn-primary")


def open_key_file(file: dict[str, Any], text: str) -> bytes:
    """docs/ballot-crypto.md §7 read with Python's libsodium: the plaintext of a key file."""
    kdf = file["kdf"]
    key = pysodium.crypto_pwhash(32, text.encode(), base64.b64decode(kdf["salt"]), kdf["opslimit"], kdf["memlimit"],
                                 pysodium.crypto_pwhash_ALG_ARGON2ID13)
    plain: bytes = pysodium.crypto_secretbox_open(base64.b64decode(file["ciphertext"]), base64.b64decode(file["nonce"]),
                                                  key)
    assert plain[1:33] == hashlib.sha256(rfc8785.dumps(file["about"])).digest()
    return plain


def cast_encrypted(hall: Hall, vote_id: str, ballots: list[dict[str, Any]], *, skip: int) -> None:
    """The rest of the hall: deputies ``skip``, ``skip + 1``, … encrypt one ballot each (as
    ``python -m terminals.client`` does) and cast it over HTTP."""
    encryption = hall.vote(vote_id)["encryption"]

    def cast(index: int, ballot: dict[str, Any]) -> None:
        made = encrypt_plain(encryption, ballot).ballot.to_json()
        with httpx.Client(base_url=hall.url, timeout=60) as client:
            token = ok(client.post("/api/deputy/login", json={"code": hall.codes[index]["code"]}))["token"]
            ok(client.post("/api/ballots", headers={"Authorization": f"Bearer {token}"},
                           json={"vote_id": vote_id, "ballot_id": made["ballot"], "ballot": made,
                                 "cast_token": secrets.token_hex(16)}))

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(cast, range(skip, skip + len(ballots)), ballots))


def tracker(ballot: dict[str, Any]) -> str:
    return hashlib.sha256(rfc8785.dumps(ballot)).hexdigest()


def prefix(code: str) -> str:
    """A tracking code as the start of the tracker it shows: "1A78-341F-…" → "1a78341f…"."""
    return code.replace("-", "").lower()


def test_five_scrutineers_make_the_key_deputies_cast_and_challenge_and_three_decrypt(hall: Hall,
                                                                                    tmp_path: Path) -> None:
    make_accounts(hall, TRUSTEES, NAMES)
    staff = staff_page(hall)
    for username in TRUSTEES:
        staff.click(f"[data-add='{username}']")
    assert staff.input_value("#ceremony-k") == "3"  # ⌊5/2⌋ + 1
    shot(staff, "staff-ceremony-setup-1280x800")
    staff.click("#ceremony-start")
    staff.click(".modal .btn-primary")
    wait_text(staff, "#ceremony-stage", "第一步：提交承诺（已完成 0/5）")

    # -- the ceremony, each 监票人 on their own device ----------------------------------------------
    sent: list[list[str]] = [[] for _ in TRUSTEES]
    devices = scrutineers(hall, TRUSTEES, sent)
    for page, text in zip(devices, PASSPHRASES, strict=True):
        page.click("#step-1:not([disabled])")
        page.fill("#pp-1", text)
        page.fill("#pp-2", text[:-1])
        page.click(".modal .btn-primary")
        wait_text(page, "#pp-error", "两次输入的口令不一致")  # the dialog stays; nothing is made yet
        passphrase(page, text, twice=True)
        wait_text(page, "#keys-notice", "第一步已完成")
    shot(devices[0], "scrutineer-ceremony-round1-1280x800")
    wait_text(staff, "#ceremony-stage", "第二步：交换份额")
    for page in devices:
        page.click("#step-2:not([disabled])")
        wait_text(page, "#keys-notice", "第二步已完成")
    for page in devices:
        page.click("#step-3:not([disabled])")
        wait_text(page, "#keys-notice", "第三步已完成")
    result = ok(hall.staff.get(f"/api/meetings/{hall.meeting_id}/ceremony"))["ceremony"]["result"]
    fingerprint = result["fingerprint"]
    wait_text(staff, "#ceremony-fingerprint .fp", f"^{fingerprint}$")
    shot(staff, "staff-ceremony-done-1280x800")
    for page in devices:
        wait_text(page, "#keys-fingerprint .fp", f"^{fingerprint}$")
        wait_text(page, "#keys-check", "本机已核对")
        wait_text(page, "#keys-held", "与选举公钥相符")
    shot(devices[0], "scrutineer-ceremony-done-1280x800")

    # Each device keeps its share only sealed under its passphrase (§7); it never left the device.
    for at, page in enumerate(devices):
        stored = json.loads(page.evaluate(f"localStorage.getItem('renda.trustee.m{hall.meeting_id}.{TRUSTEES[at]}')"))
        assert stored["about"]["kind"] == "share" and stored["about"]["trustee"] == at + 1
        x = open_key_file(stored, PASSPHRASES[at])[33:]
        assert bytes(pysodium.crypto_scalarmult_ristretto255_base(x)).hex() == result["share_keys"][at]
        assert all(x.hex() not in body for body in sent[at])
        assert x.hex() not in page.evaluate("JSON.stringify(localStorage)")

    # 监票人戊 saves a backup, loses the device, and restores the backup on another one.
    with devices[4].expect_download() as download:
        devices[4].click("#keys-backup")
    backup = tmp_path / "backup.json"
    download.value.save_as(backup)
    assert json.loads(backup.read_text(encoding="utf-8"))["about"]["share_key"] == result["share_keys"][4]
    devices[4].context.close()
    hall.contexts.remove(devices[4].context)
    [devices[4]] = scrutineers(hall, TRUSTEES[4:])
    wait_text(devices[4], "#keys-held", "本机没有您在本次选举公钥中的密钥份额")
    devices[4].set_input_files("#keys-restore-file", str(backup))
    passphrase(devices[4], PASSPHRASES[3])
    wait_text(devices[4], "#pp-error", "口令不正确")
    devices[4].fill("#pp-1", PASSPHRASES[4])
    devices[4].press("#pp-1", "Enter")
    wait_text(devices[4], "#keys-notice", "已从备份文件恢复密钥")
    wait_text(devices[4], "#keys-held", "与选举公钥相符")

    # -- the vote ------------------------------------------------------------------------------------
    frames: list[dict[str, Any]] = []
    casts = hall.deputy(0, TABLET_LANDSCAPE, frames=frames)
    challenges = hall.deputy(1, PHONE, mobile=True)
    hall.staff_check_in(38, skip=2)  # 40 of 60 present
    chair = hall.page(TABLET_LANDSCAPE)
    chair.goto(f"{hall.url}/chair")
    hall.sign_in(chair, "chair", "demo-chair-2026")
    wait_text(chair, "#quorum", "已达到法定人数")
    screen = hall.page(HALL)
    screen.goto(f"{hall.url}/screen/{hall.meeting_id}")
    motion = hall.item("决议")
    chair.click(f"[data-open='{motion['id']}']")
    chair.click(".modal .btn-primary")
    vote_id = f"v{motion['id']}-1"
    wait_text(screen, "#s-vote-key", fingerprint)
    wait_text(chair, "#vote", f"加密表决（选举公钥指纹 {fingerprint}）")

    casts.wait_for_selector("#t-encrypted-tag")
    casts.click(".t-choice[data-choice=yes]")
    casts.click("#t-submit")
    casts.wait_for_selector("#t-sealed")
    cast_code = casts.inner_text("#t-sealed #t-tracking")
    assert CODE.fullmatch(cast_code)
    wait_text(casts, "#t-key", fingerprint)
    shot(casts, "tablet-encrypted-sealed-1280x800")
    casts.click("#t-cast")
    casts.wait_for_selector("#t-status[data-state=recorded]")
    wait_text(casts, "#t-done .t-big", "已投出")
    assert casts.inner_text("#t-done #t-tracking") == cast_code  # the receipt's tracker, as shown before
    assert re.fullmatch(r"#\d+ · [0-9A-F]{4}(-[0-9A-F]{4}){3}", casts.inner_text("#t-receipt"))
    shot(casts, "tablet-encrypted-cast-1280x800")
    [frame] = [f for f in frames if f.get("type") == "ballot"]
    assert frame["ballot_id"] == frame["ballot"]["ballot"] and set(frame["ballot"]) == {"ballot", "vid", "selections",
                                                                                        "limits"}
    assert "nonces" not in casts.evaluate("JSON.stringify(localStorage)")

    challenges.click(".t-choice[data-choice=no]")
    challenges.click("#t-submit")
    challenges.wait_for_selector("#t-sealed")
    spoiled_code = challenges.inner_text("#t-tracking")
    shot(challenges, "tablet-encrypted-sealed-390x844")
    challenges.click("#t-challenge")
    wait_text(challenges, "#t-opened", "本选票加密的是：\\s*反对")
    shot(challenges, "tablet-encrypted-challenged-390x844")
    challenges.click("#t-reseal")
    challenges.wait_for_selector("#t-sealed")
    challenged_then_cast = challenges.inner_text("#t-tracking")
    assert CODE.fullmatch(challenged_then_cast) and challenged_then_cast != spoiled_code
    challenges.click("#t-cast")
    challenges.wait_for_selector("#t-status[data-state=recorded]")
    assert challenges.inner_text("#t-done #t-tracking") == challenged_then_cast

    cast_encrypted(hall, vote_id, [{"choice": "yes"}] * 20 + [{"choice": "no"}] * 3 + [{"choice": "abstain"}], skip=2)
    wait_text(chair, "#cast", "^26$")

    # -- the close answers 202; the console and the screen wait for the 监票人 --------------------------
    chair.click("#close-vote")
    chair.click(".modal .btn-danger")
    wait_text(chair, "#decrypting", r"等待监票人解密（已解密 0/3）")
    wait_text(screen, "#s-decrypting", "表决已结束，监票人正在解密计票")
    shot(chair, "chair-decrypting-1280x800")
    shot(screen, "screen-decrypting-1920x1080")

    # 监票人甲 reloads the page (its key locked) and mistypes the passphrase first.
    first = devices[0]
    first.reload()
    first.click(f"[data-decrypt='{vote_id}']")
    passphrase(first, "不是这个口令")
    wait_text(first, "#pp-error", "口令不正确")
    passphrase(first, PASSPHRASES[0])
    wait_text(first, "#decrypt-confirm", "合计包含 26 张选票")
    first.click(".modal .btn-primary")
    wait_text(first, f"[data-note='{vote_id}']", "已解密 1/3")
    wait_text(chair, "#decrypting", r"已解密 1/3")
    shot(first, "scrutineer-decrypt-1280x800")

    # 监票人丙's device is shown counted ballots that do not add up to the totals (one ballot twice,
    # another left out: the same number): it refuses before it decrypts anything.
    third = devices[2]

    def forge(route: Any) -> None:
        response = route.fetch()
        counted = response.json()
        counted["ballots"][1] = counted["ballots"][0]
        route.fulfill(response=response, json=counted)

    third.route(f"**/api/votes/{vote_id}/ballots", forge)
    third.click(f"[data-decrypt='{vote_id}']")
    wait_text(third, f"[data-note='{vote_id}']", "合计不是计入的选票之和：已拒绝解密")
    third.unroute(f"**/api/votes/{vote_id}/ballots")

    # 监票人丙's partial is altered on the way and refused by the server; nothing is lost: again.

    def alter(route: Any) -> None:
        body = json.loads(route.request.post_data)
        body["shares"][0]["c"], body["shares"][1]["c"] = body["shares"][1]["c"], body["shares"][0]["c"]
        route.continue_(post_data=json.dumps(body))

    third.route(f"**/api/votes/{vote_id}/partial", alter)
    third.click(f"[data-decrypt='{vote_id}']")
    third.click(".modal .btn-primary")
    wait_text(third, f"[data-note='{vote_id}']", "未能解密：部分解密无效")
    third.unroute(f"**/api/votes/{vote_id}/partial")
    third.click(f"[data-decrypt='{vote_id}']")
    third.click(".modal .btn-primary")
    wait_text(third, f"[data-note='{vote_id}']", "已解密 2/3")

    # 监票人乙 and 监票人丁 are absent: the third of five, on the restored device, completes the count.
    fifth = devices[4]
    fifth.click(f"[data-decrypt='{vote_id}']")
    fifth.click(".modal .btn-primary")
    announcement = "应到60人，实到40人；赞成21票，反对4票，弃权1票，未按14人；未通过。"
    wait_text(fifth, f"[data-result='{vote_id}']", re.escape(announcement))
    wait_text(chair, "#announcement", re.escape(announcement))
    wait_text(screen, ".verdict", "^未通过$")
    assert announcement in screen.inner_text(".announcement")
    wait_text(first, f"[data-result='{vote_id}']", "由 监票人甲、监票人丙、监票人戊 解密")
    wait_text(casts, "#t-last-result", "未通过")
    shot(chair, "chair-decrypted-result-1280x800")
    shot(screen, "screen-decrypted-result-1920x1080")

    # -- the tracking codes the tablets showed are in the export ---------------------------------------
    export = zipfile.ZipFile(io.BytesIO(hall.chair.get("/api/audit/export.zip").content))
    records = [json.loads(line) for line in export.read("export/records.jsonl").decode().split("\n") if line]
    cast = [tracker(r["body"]["ballot"]) for r in records if r["type"] == "ballot" and r["body"]["vote_id"] == vote_id]
    spoiled = [tracker(r["body"]["ballot"]) for r in records if r["type"] == "ballot_spoiled"]
    assert len(cast) == 26 and len(spoiled) == 1
    assert sum(t.startswith(prefix(cast_code)) for t in cast) == 1
    assert sum(t.startswith(prefix(challenged_then_cast)) for t in cast) == 1
    assert spoiled[0].startswith(prefix(spoiled_code))  # logged with its opening, never counted

    # -- 民生实事 by approval, encrypted: per-project labels, and an over-vote that cannot be cast ------
    item = hall.item("民生实事")
    a, b, c, d, e, f = (p["name"] for p in item["definition"]["projects"])
    projects = ok(hall.chair.post(f"/api/items/{item['id']}/open", json={}))["vote_id"]
    wait_text(casts, "#t-count", "赞成 0 / 应确定 4 个")
    for name in (a, b, c, d, e):
        casts.click(f".t-row[data-key='{name}'] [data-option=yes]")
    casts.click("#t-next")
    wait_text(casts, ".modal", "加密表决，超过名额的选票不能投出")
    casts.click(".modal .btn-primary")
    casts.click(f".t-row[data-key='{e}'] [data-option=no]")
    casts.click("#t-next")
    casts.click("#t-submit")
    casts.click("#t-challenge")
    wait_text(casts, "#t-opened", f"{a}：赞成")
    lines = casts.locator("#t-opened li").all_inner_texts()
    assert lines == [f"{a}：赞成", f"{b}：赞成", f"{c}：赞成", f"{d}：赞成", f"{e}：反对", f"{f}：弃权（未标记）"]
    casts.click("#t-reseal")
    casts.click("#t-cast")
    casts.wait_for_selector("#t-status[data-state=recorded]")
    assert hall.vote(projects)["cast"] == 1


def test_a_bad_share_is_named_on_the_recipients_device_and_staff_start_again(hall: Hall) -> None:
    make_accounts(hall, ["zongjianpiao", "jianpiaoyi"], ["总监票人张", "监票人李"])
    staff = staff_page(hall)
    staff.click("[data-add='zongjianpiao']")
    staff.click("[data-add='jianpiaoyi']")
    staff.click("#ceremony-start")
    staff.click(".modal .btn-primary")
    [device] = scrutineers(hall, ["zongjianpiao"])
    device.click("#step-1:not([disabled])")
    passphrase(device, "总监票人的口令很长", twice=True)
    wait_text(device, "#keys-notice", "第一步已完成")

    # 监票人李's device (here Python's ballotcrypto) posts a commitment, then deals a bad share.
    other = httpx.Client(base_url=hall.url, timeout=60)
    token = ok(other.post("/api/login", json={"username": "jianpiaoyi", "password": PASSWORD}))["token"]
    other.headers["Authorization"] = f"Bearer {token}"
    path = f"/api/meetings/{hall.meeting_id}/ceremony"
    view = ok(other.get(path))["ceremony"]
    statement = read_ceremony(view["statement"])
    _, commitment = start(statement, 2)
    ok(other.post(f"{path}/commitment", json=commitment.to_json()))
    device.click("#step-2:not([disabled])")
    wait_text(device, "#keys-notice", "第二步已完成")
    commitments = [check_commitment(statement, c) for c in ok(other.get(path))["ceremony"]["commitments"]]
    message = rfc8785.dumps({"cid": statement.cid, "from": 2, "to": 1, "share": (12345).to_bytes(32, "little").hex()})
    sealed = pysodium.crypto_box_seal(message, commitments[0].box)
    ok(other.post(f"{path}/shares", json={"shares": [{"trustee": 2, "to": 1,
                                                       "sealed": base64.b64encode(sealed).decode()}]}))
    device.click("#step-3:not([disabled])")
    wait_text(device, "#keys-notice", "第2位监票人（监票人李）发来的份额无效.*告知工作人员")
    shot(device, "scrutineer-bad-share-1280x800")
    stored = device.evaluate(f"localStorage.getItem('renda.trustee.m{hall.meeting_id}.zongjianpiao')")
    assert json.loads(stored)["about"]["kind"] == "round1"  # nothing lost: the room decides
    assert device.is_enabled("#step-3")

    # Staff start again with the same 监票人; the device starts round 1 of the new ceremony.
    wait_text(staff, "#ceremony-stage", "第三步")
    staff.click("#ceremony-restart")
    staff.click(".modal .btn-danger")
    wait_text(staff, "#ceremony-chosen", "总监票人：总监票人张")
    staff.click("#ceremony-start")
    staff.click(".modal .btn-primary")
    wait_text(staff, "#ceremony-stage", "第一步：提交承诺（已完成 0/2）")
    device.click("#step-1:not([disabled])")
    wait_text(device, "#keys-notice", "第一步已完成")
    renewed = ok(other.get(path))["ceremony"]
    assert renewed["id"] != view["id"] and [c["trustee"] for c in renewed["commitments"]] == [1]
    assert renewed["commitments"][0]["box"] != commitments[0].box.hex()  # a fresh secret for the new ceremony
    stored = device.evaluate(f"localStorage.getItem('renda.trustee.m{hall.meeting_id}.zongjianpiao')")
    assert json.loads(stored)["about"]["cid"] == read_ceremony(renewed["statement"]).cid
    other.close()
