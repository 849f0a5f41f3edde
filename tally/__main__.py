"""``python -m tally count FILE.json`` (or ``-`` for stdin): print the result as JSON.

Exit 0 with the result; exit 2 with a message naming the field or the statutory rule when the
input is malformed or the definition is unlawful.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from tally.document import count_document
from tally.errors import TallyError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tally", description="计票：读入一份 JSON 表决文件，输出结果")
    sub = parser.add_subparsers(dest="command", required=True)
    count = sub.add_parser("count", help="count one vote document")
    count.add_argument("file", help="JSON document, or - for standard input")
    count.add_argument("--text", action="store_true", help="print only the announcement (宣布稿)")
    args = parser.parse_args(argv)
    try:
        if args.file == "-":
            raw = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as handle:
                raw = handle.read()
    except OSError as error:
        print(f"错误：无法读取文件 {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as error:
        print(f"错误：不是有效的 JSON（第{error.lineno}行第{error.colno}列）: {error.msg}", file=sys.stderr)
        return 2
    try:
        result = count_document(doc)
    except TallyError as error:
        print(f"错误 [{error.code}] {error.message}", file=sys.stderr)
        return 2
    if args.text:
        print(result["announcement"])
    else:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
