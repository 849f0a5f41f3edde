"""The verifier's report for the people who sign the results: every check in the order
`audit.verify` runs it, its verdict, and every finding with its Chinese title
(docs/verifier-spec.md §4–§5).  ``python -m audit verify --json`` prints `document`; the server's
``POST /api/audit/verify`` answers it and the 监票人 and auditor pages show it.

A check's verdict is one of

* ``pass`` 通过 — it ran over the whole export and found nothing;
* ``fail`` 未通过 — it has a finding;
* ``partial`` 未完成 — it ran only over part of the records: the records no good checkpoint
  covers are not evidence, so their rules are not run and no checkpoint given or cosigned is
  compared with them; or the rules stopped at an earlier finding;
* ``skipped`` 未进行 — an earlier check stopped the verification before it.

The witnesses' check (见证人副署) is listed when witness keys were given or the export has
cosignatures; the given checkpoints' (印制的检查点) when ``--checkpoint`` gave some.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from audit.keys import Verifier
from audit.verify import FINDINGS, Failure, Report, Witnessed

__all__ = ["CHECKS", "FINDINGS_ZH", "GIVEN", "KINDS_ZH", "STATES_ZH", "WITNESSES", "Check", "document", "lines"]

#: The title of every finding in Chinese (the English meaning is `audit.verify.FINDINGS`).
FINDINGS_ZH: dict[str, str] = {
    "bad-public-key": "公钥文件 vkey.txt 不是一把有效的验证公钥",
    "untrusted-key": "导出的公钥与公布的公钥（或其指纹）不符",
    "no-checkpoint": "导出中没有签名检查点",
    "bad-checkpoint": "检查点格式错误、属于其他日志、为空或重复",
    "bad-signature": "检查点没有本日志密钥的有效签名",
    "rollback-checkpoint": "检查点比前一个小，或见证人副署过比导出更大的日志（日志回滚，或导出不完整）",
    "oversized-record": "记录过长，未读取",
    "torn-records": "记录文件在一行中间结束（不完整）",
    "unsigned-records": "最新检查点之后还有未签名的记录",
    "dropped-record": "记录少于最新检查点签署的数量（记录缺失）",
    "root-mismatch": "记录算出的 Merkle 根与签名的根不符（签名后记录被改动）",
    "tally-inputs-mismatch": "计票输入文件与记录不符",
    "foreign-checkpoint": "所给（印制的）检查点不是本日志密钥签署的",
    "rolled-back": "导出不包含所给（印制的）检查点已签署的记录（日志被回滚，或导出早于该检查点）",
    "bad-cosignature": "见证人副署记录有误：格式错误、检查点不是本日志密钥签署的，或受信见证人的副署签名无效",
    "witness-quorum": "副署最新检查点的受信见证人少于要求的法定数",
    "wrong-seq": "记录序号与所在位置不符（记录被删除、插入或调换）",
    "broken-chain": "哈希链断裂（记录被改动）",
    "bad-record": "记录格式错误",
    "equivocation": "同一密钥签署了两个不能同时成立的日志历史（分叉；其一可能是印制的或见证人副署的检查点）",
    "bad-opening": "第 0 号记录不是本密钥和日志的开启记录，或开启记录重复出现",
    "time-reversed": "记录时间早于前一条记录（时间倒流）",
    "ballot-outside-window": "选票时间早于表决开始，或不早于表决截止时间",
    "ballot-time-revealed": "无记名表决的选票或撤回记录带有投票时间（应为表决开始时间）",
    "unknown-meeting": "记录所指的会议不存在",
    "unknown-member": "记录所指的代表不在名册中",
    "unknown-item": "记录所指的议题不存在",
    "session-conflict": "会议或议题重复创建",
    "ineligible-check-in": "暂停执行职务或终止资格的代表签到，或工作人员代签到未说明理由",
    "attendance-conflict": "已签到的代表又被记为请假或缺席",
    "definition-mismatch": "表决定义（应到、实到、议题等）与日志中的名册、签到和议程不符",
    "unknown-vote": "记录所指的表决从未开启",
    "voided-vote": "表决宣布无效后仍有记录",
    "publish-order": "结果发布程序顺序不符（计票前确认、确认前宣布、重复确认或宣布，或会议未设置发布程序）",
    "publish-role": "结果须由总监票人确认、由主持人宣布，记录中的身份不符",
    "duplicate-vote": "同一表决开启了两次",
    "late-ballot": "表决结束后的选票",
    "late-withdrawal": "表决结束后撤回选票",
    "bad-withdrawal": "撤回的不是本表决仍有效的选票",
    "bad-named-ballot": "记名表决的记名记录与选票不对应",
    "ineligible-voter": "表决开始时未签到的代表投了票",
    "double-vote": "同一代表在一次记名表决中有两张有效选票",
    "duplicate-close": "同一表决结束了两次",
    "ballot-count": "记录的投票数与选票记录数不符",
    "result-before-close": "表决结束前就有结果",
    "duplicate-result": "同一表决有两个结果",
    "tally-error": "计票程序拒绝签名的表决定义和选票",
    "result-mismatch": "记录的表决结果与重新计票的结果不符",
    # 加密表决与监票人的密钥生成仪式（audit.encrypted）
    "bad-ceremony": "监票人密钥生成仪式的声明、顺序或份额不符合规定",
    "bad-commitment": "监票人的承诺格式错误、重复提交，或系数证明不成立",
    "bad-confirmation": "监票人的确认早于全部份额，或其份额公钥与承诺不符、证明不成立",
    "bad-election-key": "选举公钥、份额公钥、仪式标识或公钥指纹不是由监票人的承诺推出的",
    "bad-encryption": "加密表决的加密参数与表决定义及仪式产生的选举公钥不符",
    "wrong-secrecy": "表决开启记录中的表决方式（记名、加密、明文、纸质）与议题、加密参数或选举公钥不符"
    "（例如已有选举公钥、选票可以加密的无记名表决却未加密）",
    "bad-ballot": "加密选票格式错误，或不属于本表决",
    "bad-selection-proof": "加密选票中某个选择项的证明不成立（选择项不是 0 或 1）",
    "bad-limit-proof": "加密选票的限制证明不成立（所选多于或少于选票允许的数目）",
    "bad-write-in-proof": "加密选票中另选他人栏的证明不成立（密封的姓名或其随机点被改动）",
    "replayed-ballot": "加密选票的编号或密文与本表决中已投出的选票重复（重放）",
    "bad-ballot-opening": "公开核验的加密选票，其公开的内容与选票不符",
    "spoiled-ballot-counted": "已公开核验（作废）的加密选票又被投出计入",
    "wrong-totals": "加密合计不是所计选票密文之和",
    "bad-partial": "监票人的部分解密证明不成立、重复，或不在应有的位置",
    "bad-decryption": "解密记录未列明最先的 k 个部分解密，或不在应有的位置",
    "wrong-counts": "解密得出的票数与部分解密不符，或计票票数与之不符",
    "bad-write-in-partial": "另选他人两轮解密中，监票人的部分解密证明不成立、重复、不在应有的位置，或所解的选票不对",
    "wrong-write-ins": "解密记录中的另选他人（每票人数与姓名）与两轮部分解密得出的不符",
    "bad-write-in": "某张加密选票使用了的另选他人栏打不开，或不是有效姓名（平板电脑有故障）",
}

KINDS_ZH = {
    "evidence": "导出证据问题：导出文件不是日志密钥签署的原样（被改动、截短或补入），"
    "这不指向计票有误，请取得完好的导出",
    "signed": "签名记录问题：日志密钥签署了有问题的记录，由会议组织方负责",
}

STATES_ZH = {"pass": "通过", "fail": "未通过", "partial": "未完成", "skipped": "未进行"}


@dataclass(frozen=True)
class Check:
    """One step of docs/verifier-spec.md §4: its id, Chinese title and what it checks, and the
    findings it reports."""

    id: str
    title: str
    description: str
    findings: frozenset[str]
    rules: bool = False  # runs only over records a good checkpoint covers, until the first rule finding


def _check(id_: str, title: str, description: str, *codes: str, rules: bool = False) -> Check:
    return Check(id_, title, description, frozenset(codes), rules)


CHECKS: tuple[Check, ...] = (
    _check("key", "公钥", "vkey.txt 是一把验证公钥；给出公布的公钥或其指纹时，与之一致（规范 §4.1）",
           "bad-public-key", "untrusted-key"),
    _check("checkpoints", "签名检查点", "每个检查点都由该公钥签名、属于同一日志、大小只增不减，没有分叉（§4.2）",
           "no-checkpoint", "bad-checkpoint", "bad-signature", "rollback-checkpoint", "equivocation"),
    _check("records", "记录、哈希链与 Merkle 根",
           "每条记录的序号、哈希链正确，各检查点大小处的 Merkle 根与签名一致，导出恰好到最新检查点（§4.3）",
           "oversized-record", "torn-records", "unsigned-records", "dropped-record", "root-mismatch", "wrong-seq",
           "broken-chain", "bad-record"),
    _check("session", "会议、名册、签到与议程",
           "会议、名册、代表状态、签到和议程前后一致；每项表决的应到、实到等定义与之相符；监票人的密钥生成仪式"
           "每一步的证明成立，选举公钥由其推出；加密表决的加密参数与定义和选举公钥相符，表决方式与议题、"
           "加密参数和选举公钥相符（§4.4 15a–15c、15d 开启、15e、15f 开启）",
           "bad-opening", "time-reversed", "unknown-meeting", "unknown-member", "unknown-item", "session-conflict",
           "ineligible-check-in", "attendance-conflict", "definition-mismatch", "bad-ceremony", "bad-commitment",
           "bad-confirmation", "bad-election-key", "bad-encryption", "wrong-secrecy", rules=True),
    _check("votes", "表决过程", "选票只在表决开启期间、由有表决权的代表投出；结束、结果、宣布无效各一次；"
           "设置结果发布程序的会议，结果先由总监票人确认、再由主持人宣布，各一次；"
           "每张加密选票的证明成立、没有重放，公开核验的选票内容相符且未被计入（§4.4 15d、15f 选票）",
           "ballot-outside-window", "ballot-time-revealed", "unknown-vote", "voided-vote", "duplicate-vote",
           "late-ballot", "late-withdrawal",
           "bad-withdrawal", "bad-named-ballot", "ineligible-voter", "double-vote", "duplicate-close", "ballot-count",
           "result-before-close", "duplicate-result", "bad-ballot", "bad-selection-proof", "bad-limit-proof",
           "bad-write-in-proof",
           "replayed-ballot", "bad-ballot-opening", "spoiled-ballot-counted", "publish-order", "publish-role",
           rules=True),
    _check("recount", "重新计票", "用签名的选票重新计票，结果与记录的结果完全一致；加密表决的合计是所计选票之和，"
           "部分解密的证明成立，解密出的票数及由其重新计票的结果与记录一致（§4.4 15d 结果、15f 合计与解密）",
           "tally-error", "result-mismatch", "wrong-totals", "bad-partial", "bad-decryption", "wrong-counts",
           "bad-write-in-partial", "wrong-write-ins", "bad-write-in", rules=True),
    _check("tally-inputs", "计票输入文件", "tally_inputs.json 与记录得出的完全一致（§4.5 第 18 步）",
           "tally-inputs-mismatch"),
)

#: The witnesses' cosignatures (``cosignatures.jsonl``, and with ``--witness`` the quorum): right after the
#: checkpoints, as the verifier reads them; their findings are made once the records have given their roots.
#: A check's `findings` are the codes only it reports; a ``rollback-checkpoint`` or ``equivocation`` about
#: a cosigned note (`Failure.witnessed`) is the witnesses' too, and one about a given note (`Failure.given`,
#: with a ``bad-cosignature`` on it) the given checkpoints'.
WITNESSES = _check("witnesses", "见证人副署",
                   "见证人副署的检查点都由本日志密钥签署，与导出的记录一致、不超出导出（没有回滚或分叉）；"
                   "给出见证人公钥时，最新检查点有足够数量（法定数）受信见证人的有效副署（§3.4、§4.2 第 8a 步、§4.5）",
                   "bad-cosignature", "witness-quorum")

#: Checkpoints the auditor gave (``--checkpoint``: the QR code of a signed result sheet).
GIVEN = _check("given", "印制的检查点",
               "结果单上印制的检查点由本日志密钥签署，且导出的记录与之一致；其上受信见证人的副署有效（§4.6）",
               "foreign-checkpoint", "rolled-back")


def _belongs(check: Check, failure: Failure) -> bool:
    if check is GIVEN:
        return failure.given
    if check is WITNESSES:
        return failure.witnessed
    return not failure.given and not failure.witnessed and failure.code in check.findings


def _order(report: Report) -> tuple[Check, ...]:
    """The checks this report has, in the order the verifier runs them: the witnesses' only when
    witness keys were given, the export has cosignatures or they have a finding; the given
    checkpoints' only when some were given."""
    witnessed = bool(report.quorum or report.cosigned_notes or any(f.witnessed for f in report.failures))
    checks = CHECKS[:2] + ((WITNESSES,) if witnessed else ()) + CHECKS[2:]
    return checks + ((GIVEN,) if report.given else ())


def _states(report: Report) -> list[tuple[Check, str]]:
    failures = report.failures
    read = report.records > 0  # a real export has at least log_opened: 0 means the records were never read
    # evidence that leaves records uncovered: not what the witnesses cosigned nor a checkpoint given, whose
    # findings leave every record covered and the rules whole
    evidence = any(not (f.signed or f.witnessed or f.given) for f in failures)
    rule_fault = any(f.signed and f.code in c.findings for c in CHECKS if c.rules for f in failures)
    out: list[tuple[Check, str]] = []
    stopped = False
    for check in _order(report):
        if any(_belongs(check, f) for f in failures):
            state = "fail"
        elif stopped or (check.id not in ("key", "checkpoints") and not read):
            state = "skipped"
        elif check.rules and (evidence or rule_fault):
            state = "partial"
        elif check.id == "tally-inputs" and failures:
            state = "skipped"  # run only on an export with no finding
        elif check.id in ("given", "witnesses") and evidence:
            state = "partial"  # a checkpoint past the records a good checkpoint covers is not compared
        else:
            state = "pass"
        stopped = stopped or (check.id == "key" and state == "fail")
        out.append((check, state))
    return out


def _finding(failure: Failure) -> dict[str, Any]:
    kind = "signed" if failure.signed else "evidence"
    found: dict[str, Any] = {
        "code": failure.code, "kind": kind, "kind_label": KINDS_ZH[kind], "title": FINDINGS_ZH[failure.code],
        "meaning": FINDINGS[failure.code], "message": failure.message, "seq": failure.seq,
        "evidence": list(failure.evidence),
    }
    return found


def document(report: Report) -> dict[str, Any]:
    """The report as one JSON object (Chinese for people, codes for programs)."""
    first = report.failure
    fingerprint = Verifier.from_vkey(report.vkey).fingerprint if report.vkey is not None else None
    return {
        "ok": report.ok,
        "verdict": "通过" if report.ok else "未通过",
        "reason": None if first is None else f"{FINDINGS_ZH[first.code]}（{first.code}）",
        "vkey": report.vkey,
        "fingerprint": fingerprint,
        "trusted_key": report.trusted_key,
        "records": report.records,
        "checkpoints": report.checkpoints,
        "root": report.root,
        "checks": [{"id": c.id, "title": c.title, "description": c.description, "state": state,
                    "verdict": STATES_ZH[state]} for c, state in _states(report)],
        "findings": [_finding(f) for f in report.failures],
        "warnings": list(report.warnings),
        "votes": [{"vote_id": v.vote_id, "kind": v.kind, "ballots": v.ballots, "outcome": v.outcome}
                  for v in report.votes],
        "witnesses": [_witness(w) for w in report.witnesses],
        "quorum": report.quorum,
        "given": [{"size": c.size, "root": base64.b64encode(c.root).decode("ascii"),
                   "witnesses": [_witness(w) for w in c.witnesses]} for c in report.printed],
    }


def _witness(witness: Witnessed) -> dict[str, Any]:
    at = witness.timestamp
    return {"vkey": witness.vkey, "name": witness.vkey.split("+")[0], "cosigned": at is not None,
            "time": None if at is None else datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def lines(report: Report) -> list[str]:
    """The checks and their verdicts, one line each, in Chinese (after `Report.lines`)."""
    out = ["核验项目 Checks:"]
    out.extend(f"  [{STATES_ZH[state]}] {check.title}：{check.description}" for check, state in _states(report))
    return out
