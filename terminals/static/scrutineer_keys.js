/* The 监票人's side of encrypted secret votes, on the scrutineers' page (计票监票), on the
   监票人's own device: the three rounds of the key ceremony (docs/ballot-crypto.md §2), the
   device's key file and its backup (§7), and the partial decryption of a closed vote's totals (§5)
   — in an election round with write-ins (另选他人, §6.1) then of its two write-in rounds: each
   counted ballot's number of write-ins (uses), then the slots of the ballots that have any (names),
   the ballots of round names re-derived here from round uses's partials.

   The trustee's secret — the round-1 polynomial and transport key, then the share x_j — is kept
   only on this device, in localStorage, sealed under a passphrase the 监票人 types (Argon2id +
   secretbox, BallotCrypto.sealTrustee); it is never sent to the server. While the page is open
   and unlocked the opened secret is held in memory; 锁定 (or leaving the page) wipes it. Every
   step that fails says why in Chinese and loses nothing: the sealed file stays, a post that did
   not go through is sent again with the same content. */
"use strict";

(() => {
  const {el, $, api} = R;
  const B = BallotCrypto;
  const MIN_PASSPHRASE = 8;
  let meetingId = null, state = null, view = null;
  let cryptoError = "";
  let key = null;          // the PassphraseKey while unlocked
  let held = null;         // {about, secret} opened from the key file while unlocked
  let busy = "";           // the step running (its buttons are disabled)
  let notice = null;       // {text, kind} the outcome of the last step
  const notes = {};        // vote id -> {text, kind}: the outcome of decrypting it
  const checked = {};      // cid -> null (the published key checks) or the reason it does not
  let loading = false, again = false, timer = null;

  const ready = B.ready().catch(e => { cryptoError = "本页需要的加密组件未能加载：" + e.message; });

  /* -- the key file in localStorage -------------------------------------------------------------- */
  function ceremony() { return view && view.ceremony; }
  function me() { return view ? view.trustee || null : null; }
  function cidOf(c) { return B.ceremonyId(c.statement); }
  function storageKey() { return "renda.trustee.m" + meetingId + "." + ceremony().accounts[me() - 1]; }
  function storedFile() {
    try { return JSON.parse(localStorage.getItem(storageKey())); } catch (e) { return null; }
  }
  function save(file) {
    try { localStorage.setItem(storageKey(), JSON.stringify(file)); }
    catch (e) { throw new Error("无法保存到本机（存储空间不足或被禁用）：" + e.message); }
  }
  function fits(about, kind, cid) { return !!about && about.kind === kind && about.cid === cid && about.trustee === me(); }
  function lock() {
    if (held) B.wipe(held.secret);
    if (key) key.wipe();
    held = null; key = null;
  }

  function messageOf(e) { return (e && e.message) || String(e); }

  /* A dialog that asks for the passphrase and runs open(passphrase) on it; a refusal (a wrong
     passphrase) is shown in the dialog, which stays open. Resolves with open's value or null. */
  function passphraseDialog({title, intro, twice, open}) {
    const first = el("input", {type: "password", id: "pp-1", autocomplete: "off", style: "width:100%"});
    const second = twice ? el("input", {type: "password", id: "pp-2", autocomplete: "off", style: "width:100%"}) : null;
    const error = el("p", {class: "error", id: "pp-error", role: "alert"});
    let result = null;
    const check = () => {
      error.textContent = "";
      if (twice && first.value.length < MIN_PASSPHRASE) { error.textContent = "口令至少" + MIN_PASSPHRASE + "个字符"; return false; }
      if (twice && first.value !== second.value) { error.textContent = "两次输入的口令不一致"; return false; }
      try { result = open(first.value); return true; }
      catch (e) { error.textContent = messageOf(e); first.select(); return false; }
    };
    const body = el("div", {}, el("p", {}, intro), el("label", {class: "field"}, "口令", first),
      second ? el("label", {class: "field"}, "再输入一次", second) : null, error);
    for (const input of [first, second]) {
      if (input) input.addEventListener("keydown", e => {
        if (e.key === "Enter") { e.preventDefault(); input.closest(".modal").querySelector(".btn-primary").click(); }
      });
    }
    return R.dialog({title, body, buttons: [{label: "取消", value: null}, {label: "确定", value: () => result, primary: true, check}]});
  }

  function newKey() {
    return passphraseDialog({title: "设置保护口令", twice: true, open: p => B.passphraseKey(p),
      intro: "您的密钥只保存在本机，用这个口令加密保存；服务器和其他任何人都看不到。解密计票时要输入这个口令，请牢记（忘记后无法找回）。口令至少"
        + MIN_PASSPHRASE + "个字符。"});
  }

  /* The key file's secret of this kind for the current ceremony, opened (asking for the passphrase
     when this device is locked). null: the device holds none; undefined: the 监票人 cancelled. */
  async function openStored(kind, cid) {
    if (held && fits(held.about, kind, cid) && !held.secret.wiped) return held;
    const file = storedFile();
    if (!file || !fits(file.about, kind, cid)) return null;
    if (key && key.kdf.salt === (file.kdf || {}).salt) {
      try { held = B.openTrustee(file, key); return held; } catch (e) { /* asked below */ }
    }
    const opened = await passphraseDialog({title: "输入口令", intro: "本机保存的密钥（第" + file.about.trustee
      + "位监票人）用您的口令加密。请输入口令解锁。", open: p => {
      const made = B.passphraseKey(p, file.kdf);
      try { return {key: made, ...B.openTrustee(file, made)}; } catch (e) { made.wipe(); throw e; }
    }});
    if (!opened) return undefined;
    lock();
    key = opened.key;
    held = {about: opened.about, secret: opened.secret};
    return held;
  }
  const NOTHING_HERE = "本机没有本次密钥生成的秘密：如在另一台设备上操作过，请在那台设备上继续，或用「从备份文件恢复」。";

  /* -- the ceremony's rounds --------------------------------------------------------------------- */
  const path = () => "/api/meetings/" + meetingId + "/ceremony";
  function aboutOf(c, kind, extra) {
    const i = me();
    return {kind, cid: cidOf(c), trustee: i, ceremony: c.id, username: c.accounts[i - 1], name: c.statement.trustees[i - 1],
      meeting: meetingId, n: c.statement.n, k: c.statement.k, ...extra, saved: new Date().toISOString()};
  }

  async function round1() {
    const c = ceremony(), cid = cidOf(c);
    const file = storedFile();
    let about;
    if (file && fits(file.about, "round1", cid)) {
      about = file.about;  // made and sealed before; its post did not go through: the same commitment again
    } else {
      if (!key) {
        const made = await newKey();
        if (!made) return;
        key = made;
      }
      const {commitment, secret} = B.ceremonyRound1(c.statement, me());
      const sealed = B.sealTrustee(key, secret, aboutOf(c, "round1", {box: commitment.box, commitment}));
      try { save(sealed); } catch (e) { secret.wipe(); throw e; }
      if (held) B.wipe(held.secret);
      held = {about: sealed.about, secret};
      about = sealed.about;
    }
    view = await api(path() + "/commitment", {body: about.commitment});
    notice = {kind: "ok", text: "第一步已完成：承诺已提交，密钥已加密保存在本机。等其他监票人都完成第一步后进行第二步。"};
  }

  async function round2() {
    const c = ceremony(), cid = cidOf(c);
    const h = await openStored("round1", cid);
    if (h === undefined) return;
    if (h === null) throw new Error(NOTHING_HERE);
    const shares = B.ceremonyRound2(c.statement, h.secret, c.commitments);
    view = await api(path() + "/shares", {body: {shares}});
    notice = {kind: "ok", text: "第二步已完成：份额已分别加密发给其他监票人。等其他监票人都完成第二步后进行第三步。"};
  }

  async function round3() {
    const c = ceremony(), cid = cidOf(c);
    const file = storedFile();
    let about;
    if (file && fits(file.about, "share", cid)) {
      about = file.about;  // the share is kept; its confirmation did not go through: again
    } else {
      const h = await openStored("round1", cid);
      if (h === undefined) return;
      if (h === null) throw new Error(NOTHING_HERE);
      let made;
      try {
        made = B.ceremonyRound3(c.statement, h.secret, c.commitments, view.shares_for_me);
      } catch (e) {
        if (e.finding === "bad-share") {
          throw new Error(e.message + "。请立即告知工作人员和其他监票人；本机保存的秘密不变。");
        }
        throw e;
      }
      const sealed = B.sealTrustee(key, made.share, aboutOf(c, "share",
        {share_key: made.share.shareKey, confirmation: made.confirmation}));
      save(sealed);  // (if this fails, the round-1 file is still here: step 3 can be done again)
      held = {about: sealed.about, secret: made.share};
      about = sealed.about;
    }
    view = await api(path() + "/confirmation", {body: about.confirmation});
    notice = {kind: "ok", text: "第三步已完成：您的密钥份额已核对并加密保存在本机。请下载备份文件，与口令分开妥善保管。"};
  }

  async function step(name, fn) {
    if (busy) return;
    busy = name;
    notice = null;
    render();
    try {
      await ready;
      if (cryptoError) throw new Error(cryptoError);
      await fn();
    } catch (e) {
      notice = {kind: "bad", text: messageOf(e)};
      if (e instanceof R.ApiError && e.code === "already_posted") notice = {kind: "ok", text: "服务器已收到您的这一步。"};
    } finally {
      busy = "";
    }
    await load();
  }

  /* -- backup and restore -------------------------------------------------------------------------- */
  function backup() {
    const file = storedFile();
    if (!file) return;
    R.download("renda-trustee-m" + meetingId + "-t" + file.about.trustee + "-" + file.about.kind + ".json",
      JSON.stringify(file, null, 2));
  }

  async function restore(input) {
    const chosen = input.files[0];
    input.value = "";
    if (!chosen) return;
    await step("restore", async () => {
      let file;
      try { file = JSON.parse(await chosen.text()); } catch (e) { throw new Error("这不是有效的备份文件（不是 JSON）"); }
      const {about} = B.readTrusteeFile(file);
      const c = ceremony(), cid = cidOf(c), i = me();
      if (about.cid !== cid) throw new Error("这份备份属于另一次密钥生成，不能用于本次会议的密钥");
      if (about.trustee !== i) throw new Error("这份备份属于第" + about.trustee + "位监票人，您是第" + i + "位");
      if (about.kind === "share" && c.result && about.share_key !== c.result.share_keys[i - 1]) {
        throw new Error("这份备份中的份额与选举公钥不符");
      }
      const current = storedFile();
      if (about.kind === "round1" && current && fits(current.about, "share", cid)) {
        throw new Error("本机已有本次的密钥份额，不需要恢复第一步的秘密");
      }
      const opened = await passphraseDialog({title: "输入备份文件的口令", intro: "备份文件用生成它时设置的口令加密。请输入该口令。",
        open: p => {
          const made = B.passphraseKey(p, file.kdf);
          try { return {key: made, ...B.openTrustee(file, made)}; } catch (e) { made.wipe(); throw e; }
        }});
      if (!opened) return;
      save(file);
      lock();
      key = opened.key;
      held = {about: opened.about, secret: opened.secret};
      notice = {kind: "ok", text: "已从备份文件恢复密钥（第" + i + "位监票人），已加密保存在本机。"};
    });
  }

  /* -- decrypting a closed vote's totals --------------------------------------------------------- */
  async function decrypt(vote) {
    if (busy) return;
    const c = ceremony();
    busy = "decrypt:" + vote.id;
    notes[vote.id] = null;
    render();
    try {
      await ready;
      if (cryptoError) throw new Error(cryptoError);
      if (!c || c.state !== "done" || c.result.cid !== vote.encryption.ceremony) {
        throw new Error("本项表决的选举公钥不是本次会议监票人生成的公钥，拒绝解密");
      }
      const h = await openStored("share", c.result.cid);
      if (h === undefined) return;
      if (h === null) throw new Error("本机没有您的密钥份额：请用「从备份文件恢复」恢复后再解密");
      const d = await api("/api/votes/" + encodeURIComponent(vote.id) + "/decryption");
      const vid = B.contextId(vote.encryption.context);
      if (vid !== vote.encryption.vid || d.vid !== vid || vote.encryption.context.key !== c.result.key) {
        throw new Error("服务器给出的合计不属于这项表决（表决标识不符），已拒绝解密。请告知总监票人。");
      }
      if (d.share_keys[me() - 1] !== h.secret.shareKey) throw new Error("本机的密钥份额与本次选举公钥不符，不能解密");
      if (d.ballots_cast !== vote.cast) {
        throw new Error("合计中的选票为 " + d.ballots_cast + " 张，而表决中" + R.TERM.voted + " " + vote.cast + " 人，二者不符：已拒绝解密。请告知总监票人。");
      }
      // the totals are re-added here from the counted ballots (GET …/ballots): totals that are not their sum are refused
      const counted = await api("/api/votes/" + encodeURIComponent(vote.id) + "/ballots");
      if (counted.vid !== vid || counted.ballots.length !== d.ballots_cast || counted.ballots.some(b => b.vid !== vid)) {
        throw new Error("服务器给出的计入选票为 " + counted.ballots.length + " 张，与合计的 " + d.ballots_cast + " 张或本表决不符：已拒绝解密。请告知总监票人。");
      }
      if (JSON.stringify(B.aggregate(vote.encryption.context, counted.ballots)) !== JSON.stringify(d.totals)) {
        throw new Error("服务器给出的合计不是计入的选票之和：已拒绝解密。请告知总监票人。");
      }
      const round = d.write_ins ? d.write_ins.round : "totals";
      const made = round === "totals" ? null : writeInRound(vote, h, d, counted);
      const ok = await R.dialog({title: ROUNDS[round].title, body: el("div", {id: "decrypt-confirm"},
        el("p", {class: "modal-text"}, "「" + vote.title + "」"),
        el("p", {}, "合计包含 ", el("b", {}, d.ballots_cast), " 张选票，与表决中已表决人数一致，本机已核对合计是这些选票之和；表决标识 ", el("code", {}, B.trackingCode(d.vid)), "。"),
        el("p", {}, made ? made.what : "只解密各选项的合计票数，不解密任何一张选票。", "确认用您的密钥份额解密吗？")),
      buttons: [{label: "取消", value: false}, {label: "确认解密", value: true, primary: true}]});
      if (!ok) return;
      const out = made
        ? await api("/api/votes/" + encodeURIComponent(vote.id) + "/write-in-partial", {body: made.body})
        : await api("/api/votes/" + encodeURIComponent(vote.id) + "/partial",
                    {body: B.partialDecrypt(vote.encryption.context, h.secret, d.totals)});
      const following = out.next || (round === "totals" ? out.round : null);
      notes[vote.id] = {kind: "ok", text: out.result ? "您的部分解密已提交，解密完成，结果已产生。"
        : "您的部分解密已提交（已解密 " + out.received.length + "/" + out.k + "）。"
          + (following ? "本轮已凑齐，接下来解密" + ROUNDS[following].name + "。" : "")};
    } catch (e) {
      notes[vote.id] = {kind: "bad", text: e instanceof R.ApiError && e.code === "already_posted" ? "您已解密过本项（本轮）。"
        : "未能解密：" + messageOf(e)};
    } finally {
      busy = "";
      render();
    }
  }

  const ROUNDS = {
    totals: {title: "解密本项合计", name: "合计", button: "解密本项合计"},
    uses: {title: "解密另选他人（第一轮）", name: "另选他人第一轮（各票另选人数）", button: "解密另选他人（第一轮：各票另选人数）"},
    names: {title: "解密另选他人（第二轮）", name: "另选他人第二轮（另选姓名）", button: "解密另选他人（第二轮：另选姓名）"},
  };
  /* The body to post for write-in round "uses" or "names" (§6.1), over the counted ballots in the
     counted order the server gives (which must name each of them once); for round "names" the
     ballots with write-ins come from round uses's partials, each checked here. */
  function writeInRound(vote, h, d, counted) {
    const context = vote.encryption.context;
    const byId = new Map(counted.ballots.map(b => [b.ballot, b]));
    const order = counted.counted_order || [];
    if (order.length !== byId.size || new Set(order).size !== order.length || !order.every(id => byId.has(id))) {
      throw new Error("服务器给出的计票顺序与计入的选票不符：已拒绝解密。请告知总监票人。");
    }
    const ordered = order.map(id => byId.get(id));
    if (d.write_ins.round === "uses") {
      return {body: {round: "uses", partial: B.writeInUsesPartial(context, h.secret, ordered)},
              what: "只解密每张选票各用了几个另选他人栏（不解密任何赞成、反对）。"};
    }
    const uses = B.combineWriteInUses(context, d.share_keys, ordered, d.write_ins.uses_partials, d.k);
    if (JSON.stringify(uses) !== JSON.stringify(d.write_ins.uses)) {
      throw new Error("服务器给出的各票另选人数与第一轮的部分解密不符：已拒绝解密。请告知总监票人。");
    }
    const chosen = ordered.filter((b, at) => uses[at] > 0);
    return {body: {round: "names", partial: B.writeInNamesPartial(context, h.secret, chosen)},
            what: "只解密 " + chosen.length + " 张有另选他人的选票的另选姓名（不解密任何赞成、反对）。"};
  }

  /* -- what the page shows ------------------------------------------------------------------------ */
  /* The key the server published is the one the 监票人's commitments make, with every
     confirmation's proof: checked here, on the 监票人's own device, once per ceremony. */
  function keyCheck(c) {
    if (!(c.result.cid in checked)) {
      try {
        const mine = B.ceremonyResult(c.statement, c.commitments, c.confirmations);
        checked[c.result.cid] = mine.cid === c.result.cid && mine.key === c.result.key
          && JSON.stringify(mine.share_keys) === JSON.stringify(c.result.share_keys)
          && B.keyFingerprint(mine.key) === c.result.fingerprint ? null : "服务器公布的选举公钥与监票人的承诺不符";
      } catch (e) { checked[c.result.cid] = messageOf(e); }
    }
    return checked[c.result.cid];
  }

  function stepButton(id, label, enabled, onclick) {
    return el("button", {class: "btn btn-primary step-btn", type: "button", id, disabled: !enabled || !!busy, onclick}, label);
  }

  function renderKeys() {
    const box = $("#keys");
    const c = ceremony();
    if (cryptoError) { box.replaceChildren(...R.nodes(el("p", {class: "error"}, cryptoError))); return; }
    if (!view) { box.replaceChildren(...R.nodes(el("p", {}, "正在读取……"))); return; }
    if (!c || c.state === "abandoned") {
      box.replaceChildren(...R.nodes(el("p", {id: "keys-none"}, c ? "上一次密钥生成已作废，等待工作人员重新开始。"
        : "工作人员尚未开始监票人密钥生成。开始后，请在本设备上按步骤操作。")));
      return;
    }
    const i = me(), cid = cidOf(c), parts = [];
    if (c.state === "done") {
      const bad = keyCheck(c);
      parts.push(Ceremony.fingerprint(c.result.fingerprint, "keys-fingerprint"),
        bad ? el("p", {class: "error", id: "keys-check"}, "警告：" + bad + "。请勿使用，立即告知总监票人。")
          : el("p", {class: "tag-ok", id: "keys-check"}, "✓ 本机已核对：选举公钥由全体监票人的承诺生成，每位监票人的确认证明成立。"));
    } else {
      parts.push(el("p", {id: "keys-stage"}, el("b", {}, "密钥生成进行中：" + Ceremony.stageLine(c)),
        "。共 " + c.statement.n + " 位监票人，表决结束后须有 " + c.statement.k + " 位共同解密。"));
    }
    if (!i) {
      parts.push(el("p", {class: "small", id: "keys-not-mine"}, "本次密钥生成的监票人不包括您的账号。"), Ceremony.progress(c));
      box.replaceChildren(...R.nodes(...parts));
      return;
    }
    const p = Ceremony.posted(c);
    const file = storedFile();
    if (c.state !== "done") {
      const mine = c.commitments.find(x => x.trustee === i);
      if (mine && file && fits(file.about, "round1", cid) && file.about.box !== mine.box) {
        parts.push(el("p", {class: "error"}, "服务器上您的承诺不是本机生成的（是否在另一台设备上操作过？）：请在那台设备上继续，或请工作人员重新开始密钥生成。"));
      }
      const again = (kind, round) => file && fits(file.about, kind, cid) && !p[round].has(i);
      parts.push(el("p", {}, "您是第 " + i + " 位" + (i === 1 ? "（总监票人）" : "监票人") + "：" + c.statement.trustees[i - 1] + "。请依次完成三个步骤。"),
        el("div", {class: "steps"},
          stepButton("step-1", again("round1", "commitments") ? "第一步：重新提交承诺" : "第一步：生成密钥并提交承诺",
            c.state === "commitments" && !p.commitments.has(i), () => step("round1", round1)),
          stepButton("step-2", "第二步：向其他监票人发送份额", c.state === "shares" && !p.shares.has(i), () => step("round2", round2)),
          stepButton("step-3", again("share", "confirmations") ? "第三步：重新提交确认" : "第三步：核对份额并确认",
            c.state === "confirmations" && !p.confirmations.has(i), () => step("round3", round3))));
      const waiting = p[c.state] && p[c.state].has(i);
      if (waiting) parts.push(el("p", {id: "keys-waiting", class: "small"}, "您已完成本步骤，正在等待其他监票人（" + p[c.state].size + "/" + c.statement.n + "）……"));
    } else {
      const good = file && fits(file.about, "share", cid) && file.about.share_key === c.result.share_keys[i - 1];
      parts.push(good ? el("p", {class: "tag-ok", id: "keys-held"}, "✓ 本机已加密保存您的密钥份额（第" + i + "位监票人），与选举公钥相符。")
        : el("p", {class: "error", id: "keys-held"}, "本机没有您在本次选举公钥中的密钥份额：请用「从备份文件恢复」恢复，否则不能参加解密。"));
    }
    if (busy && !busy.startsWith("decrypt")) parts.push(el("p", {id: "keys-busy"}, "正在处理，请稍候……"));
    if (notice) parts.push(el("p", {class: notice.kind === "ok" ? "tag-ok" : "error", id: "keys-notice", role: "alert"}, notice.text));
    const picker = el("input", {type: "file", id: "keys-restore-file", accept: ".json,application/json", hidden: true});
    picker.addEventListener("change", () => restore(picker));
    parts.push(el("div", {class: "row", style: "margin-top:.6em"},
      file ? el("button", {class: "btn", type: "button", id: "keys-backup", onclick: backup}, "下载备份文件") : null,
      el("button", {class: "btn", type: "button", id: "keys-restore", disabled: !!busy, onclick: () => picker.click()}, "从备份文件恢复"), picker,
      held ? el("button", {class: "btn", type: "button", id: "keys-lock", onclick: () => { lock(); render(); }}, "锁定（清除内存中的密钥）") : null),
    el("p", {class: "small"}, "备份文件仍用您的口令加密。请将它与口令分开保管（如存入 U 盘交总监票人封存）；有文件又有口令的人即持有您的份额。"),
    el("details", {open: c.state !== "done"}, el("summary", {}, "各监票人进度"), Ceremony.progress(c, i)));
    box.replaceChildren(...R.nodes(...parts));
  }

  function renderDecrypt() {
    const panel = $("#decrypt-panel"), box = $("#decrypt");
    const votes = ((state && state.votes) || []).filter(v => v.encryption && v.decryption);
    const waiting = votes.filter(v => v.state === "decrypting");
    const done = votes.filter(v => v.state === "closed" && v.result).slice(-3);
    panel.hidden = !waiting.length && !done.length;
    if (panel.hidden) return;
    const c = ceremony();
    const names = c && c.state === "done" ? c.statement.trustees : [];
    const who = list => list.map(j => names[j - 1] || "第" + j + "位").join("、");
    const i = me();
    box.replaceChildren(...R.nodes(
      waiting.length ? el("p", {}, "以下表决已结束，须由规定人数的监票人各自在本人设备上解密合计，才能得出结果。只解密合计，不解密任何一张选票。") : null,
      ...waiting.map(v => {
        const d = v.decryption, note = notes[v.id];
        const mine = i && d.received.includes(i);
        return el("div", {class: "decrypt-item", "data-vote": v.id},
          el("h3", {}, v.title + (v.round_no > 1 ? "（第" + v.round_no + "轮）" : "")),
          el("p", {}, "合计包含 ", el("b", {class: "ballots-cast"}, d.ballots_cast), " 张选票（表决中" + R.TERM.voted + " " + v.cast + " 人）；表决标识 ",
            el("code", {}, B.trackingCode(v.encryption.vid)), "；选举公钥指纹 ", el("code", {}, v.encryption.fingerprint)),
          d.round ? el("p", {class: "decrypt-round", "data-round": d.round}, "本项有另选他人，分三轮解密：合计 → 各票另选人数 → 另选姓名。现在：",
            el("b", {}, ROUNDS[d.round].name)) : null,
          el("p", {class: "decrypt-progress"}, "须 " + d.k + " 位监票人解密，已解密 " + d.received.length + "/" + d.k
            + (d.received.length ? "：" + who(d.received) : "")),
          mine ? el("p", {class: "tag-ok"}, "✓ 您已解密" + (d.round ? "本轮" : "本项"))
            : i ? el("button", {class: "btn btn-primary step-btn", type: "button", "data-decrypt": v.id, disabled: !!busy,
              onclick: () => decrypt(v)}, busy === "decrypt:" + v.id ? "正在解密……" : ROUNDS[d.round || "totals"].button)
              : el("p", {class: "small"}, "您不是持有本次选举密钥份额的监票人。"),
          note ? el("p", {class: note.kind === "ok" ? "tag-ok" : "error", role: "alert", "data-note": v.id}, note.text) : null);
      }),
      ...done.map(v => el("div", {class: "decrypt-item", "data-result": v.id},
        el("h3", {}, "解密结果：" + v.title + (v.round_no > 1 ? "（第" + v.round_no + "轮）" : "")),
        notes[v.id] && notes[v.id].kind === "ok" ? el("p", {class: "tag-ok"}, notes[v.id].text) : null,
        el("p", {class: "small"}, "由 " + who(v.decryption.received) + " 解密"),
        el("p", {class: "announcement"}, v.result.announcement)))));
  }

  function render() { renderKeys(); renderDecrypt(); }

  async function load() {
    if (meetingId === null) return;
    if (loading) { again = true; return; }
    loading = true;
    try {
      await ready;
      view = await api(path());
      if (view.ceremony && view.ceremony.state === "done" && held && held.about.kind === "round1") lock();
    } catch (e) {
      if (!cryptoError) notice = {kind: "bad", text: "未能读取密钥生成的状态：" + messageOf(e)};
    } finally {
      loading = false;
    }
    if (again) { again = false; load(); return; }
    render();
    clearTimeout(timer);
    const c = ceremony();
    if (c && !["done", "abandoned"].includes(c.state)) timer = setTimeout(load, 3000);
  }

  function onState(m) {
    state = m;
    meetingId = state.meeting.id;
    if (view) renderDecrypt();
    load();
  }
  document.addEventListener("renda:state", event => onState(event.detail));
  // scrutineer.js signs in and connects while the (large) scripts after it load: a state may
  // have come before this script ran
  if (window.RENDA_STATE) onState(window.RENDA_STATE);
  window.addEventListener("pagehide", lock);
})();
