"""Benchmark of the tablet's own cryptography in Debian's Chromium; prints one JSON object.

Target: a tablet encrypts and proves the largest ballot the system makes -- an election of 30
candidates for 15 seats (60 selections, 31 limits) -- in at most 1 s, the first ballot of a fresh
page included (docs/performance.md "Encrypted ballots in the browser").

    .venv/bin/python scripts/bench_browser_crypto.py [--ballots 6] [--runs 1]

Headless Chromium (/usr/bin/chromium, driven by Playwright; never ``playwright install``) opens a
page that loads the app's own files -- ``terminals/static/ballot_crypto.js`` and the pinned
libsodium.js -- exactly as a tablet's page does, under the strict Content-Security-Policy of the
pages, with every request answered from the files on disk (no server, no network). Each run is a
fresh page: ``--ballots`` ballots in a row, each checked in the page (``checkBallot``) and cast.
Times are ``performance.now()`` in the page.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "terminals" / "static"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ORIGIN = "http://bench.invalid"
TARGET_MS = 1000.0
#: the pages' policy for libsodium.js: its own scripts, and WebAssembly compilation
CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'"
PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>bench</title>
<script src="/static/vendor/libsodium-sumo.js"></script>
<script src="/static/vendor/libsodium-wrappers-sumo.js"></script>
<script src="/static/ballot_crypto.js"></script></head><body></body></html>"""

#: In the page: ``n`` ballots of 30 candidates and 15 seats, each timed, checked and cast.
TIMING = """async (n) => { const B = BallotCrypto; const g = B.group; await B.ready();
    const context = {suite: B.SUITE, origin: "renda.local/log", vote: "v-timing", key: g.base(g.scalar(424242)),
                     form: B.makeForm("election", {candidates: 30, seats: 15})};
    const values = [];
    for (let c = 0; c < 30; c++) values.push(c < 15 ? 1 : 0, c >= 15 && c < 25 ? 1 : 0);
    const times = [], checks = [], selections = [];
    for (let run = 0; run < n; run++) {
        const t0 = performance.now();
        const made = B.encryptBallot(context, values);
        const t1 = performance.now();
        B.checkBallot(context, made.ballot);
        checks.push(performance.now() - t1);
        times.push(t1 - t0);
        selections.push(made.ballot.selections.length);
        B.castBallot(made);
    }
    return {times, checks, selections}; }"""


def _answer(route: Any) -> None:
    """Every request of the page, from the files on disk: the page itself, and /static/…."""
    path = route.request.url.removeprefix(ORIGIN).split("?", 1)[0]
    if path == "/bench":
        route.fulfill(status=200, content_type="text/html; charset=utf-8",
                      headers={"Content-Security-Policy": CSP}, body=PAGE)
        return
    file = (STATIC / path.removeprefix("/static/")).resolve()
    if not path.startswith("/static/") or STATIC not in file.parents or not file.is_file():
        route.fulfill(status=404, body="not found")
        return
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    route.fulfill(status=200, content_type="text/javascript" if file.suffix == ".js" else kind, body=file.read_bytes())


def measure(browser: Any, ballots: int) -> dict[str, Any]:
    """One fresh page: ``ballots`` ballots in a row; page errors are a failure."""
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.route(f"{ORIGIN}/**", _answer)
        page.goto(f"{ORIGIN}/bench")
        got: dict[str, Any] = page.evaluate(TIMING, ballots)
    finally:
        context.close()
    if errors:
        raise RuntimeError(f"the page failed: {errors}")
    return got


def report(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of every run: the first ballot of each fresh page, the warm ones after it."""
    times = [t for run in runs for t in run["times"]]
    firsts = [run["times"][0] for run in runs]
    warm = [t for run in runs for t in run["times"][1:]]
    checks = [c for run in runs for c in run["checks"]]
    slowest = max(times)
    return {
        "ballot": {"candidates": 30, "seats": 15, "selections": runs[0]["selections"][0]},
        "ballots": len(times),
        "pages": len(runs),
        "encrypt_prove_first_ms": [round(t, 1) for t in firsts],
        "encrypt_prove_warm_median_ms": round(statistics.median(warm), 1) if warm else None,
        "encrypt_prove_max_ms": round(slowest, 1),
        "check_median_ms": round(statistics.median(checks), 1),
        "target_ms": TARGET_MS,
        "within_target": slowest <= TARGET_MS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=6, help="ballots a page (the first is cold)")
    parser.add_argument("--runs", type=int, default=1, help="fresh pages, one after the other")
    args = parser.parse_args(argv)
    if args.ballots < 1 or args.runs < 1:
        parser.error("--ballots and --runs are at least 1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            runs = [measure(browser, args.ballots) for _ in range(args.runs)]
        finally:
            browser.close()
    print(json.dumps(report(runs), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
