/* The encrypted-ballot cryptography of docs/ballot-crypto.md in the browser: the tablet encrypts
   and proves a secret ballot (and opens one the deputy challenges); the 监票人 page runs the key
   ceremony and the partial decryptions. Byte for byte what the reference (ballotcrypto/) does,
   with the same refusals (each names the same finding) and the same order of random draws.

   Plain JavaScript, no build. Needs libsodium.js, the pinned sumo build in /static/vendor/
   (VERSIONS.json): load libsodium-sumo.js, then libsodium-wrappers-sumo.js, then this file, and
   await BallotCrypto.ready() before any other call. libsodium.js compiles WebAssembly: a page
   with a Content-Security-Policy needs 'wasm-unsafe-eval' in script-src to load it (without it,
   libsodium.js 0.8.4 does not start at all, its JavaScript fallback included), and ready() then
   rejects.

   Objects cross this API in their JSON form (points and scalars as 64 lowercase hex characters).
   Every check throws a BallotCrypto.Refusal {finding, message} — the finding is ballotcrypto's
   (docs: ballotcrypto/errors.py), the message Chinese, for the person at the device.

   Secrets never get a JSON form: an Opening (a ballot's values and nonces), a TrusteeSecret
   (round 1's polynomial and transport key) and a TrusteeShare (x_j) hold them in Uint8Arrays
   that wipe() zeroes, and JSON.stringify refuses them. The tablet wipes the opening when the
   deputy casts (castBallot) or publishes it when the deputy challenges (spoil). What libsodium.js
   copies into its WebAssembly memory for a call is freed, not zeroed: wiping covers the copies
   held here.

   At rest, a 监票人's device keeps its TrusteeSecret (rounds 1–3) or TrusteeShare (after) only
   in a key file (docs/ballot-crypto.md §7): passphraseKey(passphrase[, file.kdf]) derives the
   key (Argon2id), sealTrustee(key, secret, about) makes the file (JSON, for localStorage and the
   backup download), openTrustee(file, key) gives back {about, secret}; a wrong passphrase is the
   Refusal 'wrong-passphrase'. The secret's bytes never become a string.

   Write-ins (另选他人, §6.1): a form with `write_ins` slots; encryptBallot(context, values,
   {names}) seals each slot's name ("" unused), checkBallot checks the slots' proofs, the opening
   publishes each slot's ρ and name and checkOpening checks them; writeInUsesPartial and
   writeInNamesPartial are a 监票人's partials of the two write-in rounds, checkWriteInPartial
   checks one, combineWriteInUses and combineWriteInNames give each ballot's number of write-ins
   and the names (as ballotcrypto/writein_count.py). */
"use strict";

const BallotCrypto = (() => {
  const SUITE = "renda-ballot-v1";
  const TAG = {
    coefficient: SUITE + "/coefficient",
    shareKey: SUITE + "/share-key",
    range: SUITE + "/range",
    decrypt: SUITE + "/decrypt",
    writeInKey: SUITE + "/write-in-key",
    writeInAd: SUITE + "/write-in-ad",
    writeIn: SUITE + "/write-in",
    decryptUses: SUITE + "/decrypt-uses",
    decryptUse: SUITE + "/decrypt-use",
    decryptName: SUITE + "/decrypt-name",
    testScalar: SUITE + "/test-scalar",
    testBytes: SUITE + "/test-bytes",
  };
  // ℓ = 2^252 + 27742317777372353535851937790883648493, 32 bytes little-endian.
  const ORDER_HEX = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
  const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

  let S = null;          // libsodium.js, once ready
  let ORDER = null;      // ℓ as bytes
  const multiples = [];  // m·G for small m, grown on demand: [identity, G, 2G, …]

  class Refusal extends Error {
    constructor(finding, message, extra) {
      super(message);
      this.name = "Refusal";
      this.finding = finding;
      Object.assign(this, extra || {});
    }
  }
  function refuse(finding, message, extra) { throw new Refusal(finding, message, extra); }
  const malformed = (field, message) => refuse("malformed", `${field}：${message}`, {field});

  async function ready() {
    if (S) return;
    const lib = globalThis.sodium;
    if (!lib || !lib.ready) {
      throw new Error("libsodium.js 未能加载（页面的 Content-Security-Policy 缺少 'wasm-unsafe-eval'？）");
    }
    await lib.ready;
    S = lib;
    ORDER = S.from_hex(ORDER_HEX);
    multiples.push(new Uint8Array(32), S.crypto_scalarmult_ristretto255_base(scalarOf(1)));
  }
  function lib() {
    if (!S) throw new Error("BallotCrypto.ready() has not completed");
    return S;
  }

  /* -- JCS (RFC 8785) for the kinds these objects hold, H256, Hs ------------------------------- */
  function isPlainObject(value) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  }
  function jcsText(value, field) {
    if (typeof value === "string") {
      if (LONE_SURROGATE.test(value)) malformed(field, "字符串含孤立的代理项，不是有效的 Unicode");
      return JSON.stringify(value);  // RFC 8785 writes strings as ECMAScript does
    }
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value)) malformed(field, "只能是 −(2^53−1) 到 2^53−1 之间的整数");
      return String(value);  // −0 is written 0, as in RFC 8785
    }
    if (Array.isArray(value)) {
      const parts = [];
      for (let i = 0; i < value.length; i++) parts.push(jcsText(value[i], `${field}[${i}]`));
      return "[" + parts.join(",") + "]";
    }
    if (isPlainObject(value)) {
      // sort() orders by UTF-16 code units: RFC 8785's order of member names
      return "{" + Object.keys(value).sort().map(key => {
        if (LONE_SURROGATE.test(key)) malformed(field, "成员名含孤立的代理项");
        return JSON.stringify(key) + ":" + jcsText(value[key], `${field}.${key}`);
      }).join(",") + "}";
    }
    return malformed(field, `${value === null ? "null" : typeof value} 不在这些对象的取值范围内`);
  }
  /** The RFC 8785 text of value: arrays, plain objects, strings and safe integers, nothing else. */
  function jcs(value) { return jcsText(value, "value"); }
  function jcsBytes(value) { return new TextEncoder().encode(jcs(value)); }

  /** H256(x): SHA-256 of JCS(x), 64 lowercase hex characters. */
  function h256(value) { return lib().to_hex(S.crypto_hash_sha256(jcsBytes(value))); }

  const isSmallInt = value => Number.isSafeInteger(value) && value >= 0;

  /** Hs(tag, items) as bytes: SHA-512 of JCS([tag, ...items]) read little-endian, reduced mod ℓ. */
  function hs(tag, items) {
    if (typeof tag !== "string" || !tag.startsWith(SUITE + "/")) malformed("tag", `应以 ${SUITE}/ 开头`);
    if (!Array.isArray(items)) malformed("items", "应为数组");
    items.forEach((item, i) => {
      if (typeof item !== "string" && !isSmallInt(item)) malformed(`items[${i}]`, "应为字符串或 0 到 2^53−1 的整数");
    });
    return lib().crypto_core_ristretto255_scalar_reduce(S.crypto_hash_sha512(jcsBytes([tag, ...items])));
  }
  function hashToScalar(tag, items) { return S.to_hex(hs(tag, items)); }

  /* -- scalars and points --------------------------------------------------------------------- */
  function isZero(bytes) {
    let any = 0;
    for (const b of bytes) any |= b;
    return any === 0;
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }
  function belowOrder(bytes) {
    for (let i = 31; i >= 0; i--) if (bytes[i] !== ORDER[i]) return bytes[i] < ORDER[i];
    return false;
  }
  const isHex = (text, chars) => typeof text === "string" && text.length === chars && /^[0-9a-f]*$/.test(text);

  /** A scalar (32 bytes) from 64 lowercase hex characters; refuses a value ≥ ℓ, and 0 if nonzero. */
  function scalarFromHex(text, {nonzero = false, field = "scalar"} = {}) {
    lib();
    if (!isHex(text, 64)) refuse("bad-scalar-encoding", `${field}：标量的编码应为64个小写十六进制字符`, {field});
    const bytes = S.from_hex(text);
    if (!belowOrder(bytes)) refuse("scalar-out-of-range", `${field}：标量不小于群的阶 ℓ`, {field});
    if (nonzero && isZero(bytes)) refuse("zero-scalar", `${field}：此处的标量不能为零`, {field});
    return bytes;
  }
  function scalarToHex(bytes) {
    lib();
    if (!(bytes instanceof Uint8Array) || bytes.length !== 32 || !belowOrder(bytes)) {
      malformed("scalar", "不是 [0, ℓ) 中的标量");
    }
    return S.to_hex(bytes);
  }
  /** A point (its 32-byte encoding) from 64 lowercase hex characters; refuses a non-canonical or
      invalid encoding, and the identity unless identity is true. */
  function pointFromHex(text, {identity = false, field = "point"} = {}) {
    lib();
    if (!isHex(text, 64)) refuse("bad-point-encoding", `${field}：点的编码应为64个小写十六进制字符`, {field});
    const bytes = S.from_hex(text);
    if (!S.crypto_core_ristretto255_is_valid_point(bytes)) {
      refuse("bad-point-encoding", `${field}：不是 ristretto255 点的规范编码`, {field});
    }
    if (!identity && isZero(bytes)) refuse("identity-point", `${field}：此处不能是单位元（全零编码）`, {field});
    return bytes;
  }
  function pointToHex(bytes) {
    if (!(bytes instanceof Uint8Array) || bytes.length !== 32) malformed("point", "不是32字节的点编码");
    return lib().to_hex(bytes);
  }

  /** The scalar of a small integer n, |n| ≤ 2^53 − 1 (negative n as ℓ − |n|). */
  function scalarOf(n) {
    const out = new Uint8Array(32);
    for (let m = Math.abs(n), i = 0; m > 0; i++) { out[i] = m % 256; m = Math.floor(m / 256); }
    return n < 0 ? S.crypto_core_ristretto255_scalar_negate(out) : out;
  }
  const sAdd = (a, b) => S.crypto_core_ristretto255_scalar_add(a, b);
  const sSub = (a, b) => S.crypto_core_ristretto255_scalar_sub(a, b);
  const sMul = (a, b) => S.crypto_core_ristretto255_scalar_mul(a, b);
  // Secret scalars: each intermediate is zeroed as soon as it is used.
  function secretSum(acc, x) { const out = sAdd(acc, x); acc.fill(0); return out; }
  /** w + c·x (a proof's response), with c·x zeroed and w zeroed. */
  function response(w, c, x) {
    const cx = sMul(c, x);
    const out = sAdd(w, cx);
    cx.fill(0);
    w.fill(0);
    return out;
  }
  const zero = () => new Uint8Array(32);

  // libsodium refuses a product that is the identity; here 0·P = n·O = O, as the spec reads.
  const mul = (n, point) => isZero(n) || isZero(point) ? zero() : S.crypto_scalarmult_ristretto255(n, point);
  const base = n => isZero(n) ? zero() : S.crypto_scalarmult_ristretto255_base(n);
  const add = (p, q) => S.crypto_core_ristretto255_add(p, q);
  const sub = (p, q) => S.crypto_core_ristretto255_sub(p, q);
  function multipleOfG(m) {
    while (multiples.length <= m) multiples.push(add(multiples[multiples.length - 1], multiples[1]));
    return multiples[m];
  }

  /** Group arithmetic on hex encodings (the identity allowed everywhere), for pages and tests. */
  const group = {
    get generator() { return S.to_hex(multiples[1]); },
    identity: "0".repeat(64),
    add: (p, q) => S.to_hex(add(pointFromHex(p, {identity: true}), pointFromHex(q, {identity: true}))),
    sub: (p, q) => S.to_hex(sub(pointFromHex(p, {identity: true}), pointFromHex(q, {identity: true}))),
    mul: (n, p) => S.to_hex(mul(scalarFromHex(n), pointFromHex(p, {identity: true}))),
    base: n => S.to_hex(base(scalarFromHex(n))),
    multiple: m => S.to_hex(multipleOfG(integer(m, "m"))),
    scalar: n => S.to_hex(scalarOf(integer(n, "n"))),
  };

  /* -- randomness ----------------------------------------------------------------------------- */
  // Every function that draws randomness takes {rng}; the default is libsodium's CSPRNG. A draw
  // is rng.scalar() (uniform, non-zero) or rng.octets(n) (n ≤ 64 bytes).
  const SYSTEM = {
    scalar() {
      for (;;) { const s = S.crypto_core_ristretto255_scalar_random(); if (!isZero(s)) return s; }
    },
    octets(n) { return S.randombytes_buf(n); },
  };
  /** Fixed randomness from a seed, as ballotcrypto's Seeded draws it — for test vectors only,
      never for a real ballot or ceremony. k-th draw: Hs(test-scalar, [seed, k]) (0 skipped) or
      SHA-512(JCS([test-bytes, seed, k]))[:n]; one counter k for both. */
  function seededRandomness(seed) {
    let k = 0;
    return {
      scalar() { for (;;) { const s = hs(TAG.testScalar, [seed, k++]); if (!isZero(s)) return s; } },
      octets(n) { return S.crypto_hash_sha512(jcsBytes([TAG.testBytes, seed, k++])).slice(0, n); },
    };
  }

  /* -- readers: exact members, exact types ---------------------------------------------------- */
  function members(value, names, field) {
    if (!isPlainObject(value)) malformed(field, "应为 JSON 对象");
    const have = Object.keys(value);
    if (have.length !== names.length || !names.every(n => Object.prototype.hasOwnProperty.call(value, n))) {
      malformed(field, `成员应恰为 ${names.join("、")}`);
    }
    return value;
  }
  function array(value, field, length) {
    if (!Array.isArray(value)) malformed(field, "应为 JSON 数组");
    if (length !== undefined && value.length !== length) malformed(field, `应有 ${length} 项，实有 ${value.length} 项`);
    return value;
  }
  function integer(value, field) {
    if (!isSmallInt(value)) malformed(field, "应为 0 到 2^53−1 之间的整数");
    return value;
  }
  function text(value, field) {
    if (typeof value !== "string") malformed(field, "应为字符串");
    return value;
  }
  function hexId(value, field, chars) {
    if (!isHex(value, chars)) malformed(field, `应为 ${chars} 个小写十六进制字符`);
    return value;
  }
  function readProof(value, field) {
    const obj = members(value, ["c", "s"], field);
    return {c: scalarFromHex(obj.c, {field: field + ".c"}), s: scalarFromHex(obj.s, {field: field + ".s"})};
  }
  function readRangeProof(value, field, branches) {
    return array(value, field, branches).map((item, j) => readProof(item, `${field}[${j}]`));
  }
  const proofJSON = ({c, s}) => ({c: S.to_hex(c), s: S.to_hex(s)});

  /* -- forms and contexts (§3.1) -------------------------------------------------------------- */
  function readForm(value, field = "form") {
    const withSlots = isPlainObject(value) && Object.prototype.hasOwnProperty.call(value, "write_ins");
    const obj = members(value, withSlots ? ["selections", "limits", "write_ins"] : ["selections", "limits"], field);
    const writeIns = withSlots ? integer(obj.write_ins, field + ".write_ins") : 0;
    if (withSlots && writeIns === 0) malformed(field + ".write_ins", "没有另选他人栏时不写此成员");
    const n = integer(obj.selections, field + ".selections");
    const limits = array(obj.limits, field + ".limits").map((item, j) => {
      const at = `${field}.limits[${j}]`;
      const limit = members(item, ["of", "min", "max"], at);
      return {of: array(limit.of, at + ".of").map(i => integer(i, at + ".of")),
              min: integer(limit.min, at + ".min"), max: integer(limit.max, at + ".max")};
    });
    if (n < 1) refuse("bad-form", "选票至少应有一个选择项");
    limits.forEach(({of, min, max}, j) => {
      if (of.length === 0 || of.some((i, at) => at > 0 && i <= of[at - 1])) {
        refuse("bad-form", `第${j + 1}个限制的选择项应非空、升序、不重复`);
      }
      if (of[of.length - 1] >= n) refuse("bad-form", `第${j + 1}个限制列出了不存在的选择项`);
      if (!(min <= max && max <= of.length)) refuse("bad-form", `第${j + 1}个限制的范围应满足 0 ≤ 下限 ≤ 上限 ≤ 所列项数`);
    });
    if (writeIns > n) refuse("bad-form", "另选他人的栏数应在0到选择项数之间");
    return {selections: n, limits, writeIns};
  }
  function satisfies(form, values) {
    return values.length === form.selections && values.every(m => m === 0 || m === 1) &&
      form.limits.every(({of, min, max}) => {
        const sum = of.reduce((acc, i) => acc + values[i], 0);
        return min <= sum && sum <= max;
      });
  }

  /** The form of a vote (§3.1): "motion", "appointment"; "election", "project_vote" with
      {candidates, seats} (and writeIns slots for an election that allows write-ins, §6.1);
      "satisfaction" with {targets}. */
  function makeForm(kind, {candidates = 0, seats = 0, targets = 0, writeIns = 0} = {}) {
    const range = n => Array.from({length: n}, (_, i) => i);
    if (kind === "motion" || kind === "appointment") return {selections: 3, limits: [{of: [0, 1, 2], min: 1, max: 1}]};
    if (kind === "election" || kind === "project_vote") {
      if (!isSmallInt(candidates) || !isSmallInt(seats) || !isSmallInt(writeIns) || candidates < 1 || seats < 1 ||
          seats > candidates + writeIns) {
        refuse("bad-form", "候选人数应至少为1，应选名额应在1到候选人数（加另选他人栏数）之间");
      }
      const form = {selections: 2 * candidates + writeIns, limits: [
        ...range(candidates).map(c => ({of: [2 * c, 2 * c + 1], min: 0, max: 1})),
        {of: [...range(candidates).map(c => 2 * c), ...range(writeIns).map(s => 2 * candidates + s)],
         min: 0, max: seats}]};
      if (writeIns) form.write_ins = writeIns;
      return form;
    }
    if (kind === "satisfaction") {
      if (!isSmallInt(targets) || targets < 1) refuse("bad-form", "测评对象应至少为1个");
      return {selections: 3 * targets,
              limits: range(targets).map(t => ({of: [3 * t, 3 * t + 1, 3 * t + 2], min: 0, max: 1}))};
    }
    return refuse("bad-form", `“${kind}”类表决没有加密选票的格式`);
  }

  /** The context read and checked: {vid, key (bytes), form}. */
  function readContext(value) {
    const obj = members(value, ["suite", "origin", "vote", "key", "form"], "context");
    if (obj.suite !== SUITE) malformed("context.suite", `应为 ${SUITE}`);
    text(obj.origin, "context.origin");
    text(obj.vote, "context.vote");
    const key = pointFromHex(obj.key, {field: "context.key"});
    const form = readForm(obj.form, "context.form");
    return {vid: h256(obj), key, form};
  }
  function contextId(context) { return readContext(context).vid; }

  /* -- range proofs (§3.3) -------------------------------------------------------------------- */
  // The branch commitments A_j = s_j·G − c_j·α, B_j = s_j·K − c_j·(β − m_j·G).
  function branch(st, m, c, s) {
    const shifted = m === 0 ? st.beta : sub(st.beta, multipleOfG(m));
    return [sub(base(s), mul(c, st.alpha)), sub(mul(s, st.key), mul(c, shifted))];
  }
  function rangeChallenge(st, commitments) {
    return hs(TAG.range, [st.vid, st.ballot, st.where, st.lo, st.hi, S.to_hex(st.alpha), S.to_hex(st.beta),
      ...commitments.flatMap(([A, B]) => [S.to_hex(A), S.to_hex(B)])]);
  }
  /** The proof that st's (alpha, beta) encrypts value ∈ [lo, hi] with nonce r. Draws, branch by
      branch: w for the true branch, c_j then s_j for each other. */
  function proveRange(st, value, r, rng) {
    const t = value - st.lo;
    const draws = [], commitments = [];
    let w = null;
    for (let j = 0; j <= st.hi - st.lo; j++) {
      if (j === t) {
        w = rng.scalar();
        draws.push(null);
        commitments.push([base(w), mul(w, st.key)]);
      } else {
        const c = rng.scalar(), s = rng.scalar();
        draws.push({c, s});
        commitments.push(branch(st, st.lo + j, c, s));
      }
    }
    let ct = rangeChallenge(st, commitments);
    for (const d of draws) if (d) ct = sSub(ct, d.c);
    draws[t] = {c: ct, s: response(w, ct, r)};
    return draws.map(proofJSON);
  }
  function checkRange(st, proof) {
    let sum = zero();
    const commitments = proof.map(({c, s}, j) => {
      sum = sAdd(sum, c);
      return branch(st, st.lo + j, c, s);
    });
    return equal(sum, rangeChallenge(st, commitments));
  }

  /* -- ballots (§3.2–3.6) --------------------------------------------------------------------- */
  /** "3F9A-1C07-88D2-4B6E": the tracker's first 16 characters, upper case, in groups of 4. */
  function trackingCode(tracker) {
    hexId(tracker, "tracker", 64);
    return tracker.slice(0, 16).toUpperCase().match(/.{4}/g).join("-");
  }

  const refuseJSON = what => function toJSON() { throw new Error(`${what}是秘密，不能写成 JSON`); };
  const gone = what => refuse("wiped", `${what}已清除`);

  /** What the tablet keeps between encrypting and casting: the ballot's values and nonces. */
  class Opening {
    #values;
    #nonces;
    #rhos;
    #names;
    #spoiled = false;
    constructor(ballot, tracker, values, nonces, rhos = [], names = []) {
      this.ballot = ballot;
      this.tracker = tracker;
      this.#values = Uint8Array.from(values);
      this.#nonces = nonces;
      this.#rhos = rhos;
      this.#names = names;
    }
    get wiped() { return this.#nonces === null; }
    /** Its opening was published: the ballot can never be cast. */
    get spoiled() { return this.#spoiled; }
    wipe() {
      if (this.#nonces === null) return;
      this.#values.fill(0);
      for (const r of [...this.#nonces, ...this.#rhos]) r.fill(0);
      this.#nonces = null;
      this.#rhos = [];
      this.#names = [];
    }
    /** The opening to publish (§3.6); then wiped: a ballot opened is spoiled, never cast. */
    spoil() {
      if (this.#nonces === null) gone("这张选票的随机数");
      const out = {ballot: this.ballot, tracker: this.tracker, values: Array.from(this.#values),
                   nonces: this.#nonces.map(r => S.to_hex(r))};
      if (this.#rhos.length) out.write_ins = this.#rhos.map((rho, s) => ({rho: S.to_hex(rho), name: this.#names[s]}));
      this.#spoiled = true;
      this.wipe();
      return out;
    }
    secretBytes() { return this.#nonces === null ? [] : [this.#values, ...this.#nonces, ...this.#rhos]; }
  }
  Opening.prototype.toJSON = refuseJSON("选票的随机数");

  /* -- write-in slots (另选他人, §6.1) --------------------------------------------------------- */
  const NAME_BYTES = 64;
  const SEALED_BYTES = NAME_BYTES + 16;
  /** Why a string is not a write-in name, or null: 1 to 64 bytes of UTF-8, NFC, no character of
      category Cc, Cf, Cs, Zl or Zp, no space separator first or last. */
  function nameFault(name) {
    if (name === "") return "另选他人的姓名不能为空";
    if (new TextEncoder().encode(name).length > NAME_BYTES) return `另选他人的姓名过长（UTF-8 最多${NAME_BYTES}字节）`;
    if (LONE_SURROGATE.test(name) || /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name)) return "另选他人的姓名含有控制字符或不可见字符";
    if (/^\p{Zs}|\p{Zs}$/u.test(name)) return "另选他人的姓名首尾不能有空格";
    if (name.normalize("NFC") !== name) return "另选他人的姓名应为 Unicode NFC 形式";
    return null;
  }
  function writeInKeyNonce(vid, id, slot, R, shared) {
    const h = S.crypto_hash_sha512(jcsBytes([TAG.writeInKey, vid, id, slot, S.to_hex(R), S.to_hex(shared)]));
    return [h.slice(0, 32), h.slice(32, 56)];
  }
  const writeInAd = (vid, id, slot, R) => jcsBytes([TAG.writeInAd, vid, id, slot, S.to_hex(R)]);
  /** [R, sealed] for a name ("" for an unused slot) in slot `slot`, with ρ. */
  function sealName(vid, id, slot, rho, key, name) {
    const R = base(rho);
    const [k, nonce] = writeInKeyNonce(vid, id, slot, R, mul(rho, key));
    const padded = new Uint8Array(NAME_BYTES);
    padded.set(new TextEncoder().encode(name));
    const sealed = S.crypto_aead_xchacha20poly1305_ietf_encrypt(padded, writeInAd(vid, id, slot, R), null, nonce, k);
    k.fill(0);
    return [R, sealed];
  }
  const slotPrefix = (vid, id, slot, [alpha, beta], sealed) =>
    [vid, id, slot, S.to_hex(alpha), S.to_hex(beta), S.to_base64(sealed, S.base64_variants.ORIGINAL)];
  function checkNames(form, values, names) {
    if (!Array.isArray(names) || names.length !== form.writeIns) {
      refuse("bad-form", `本表决有${form.writeIns}个另选他人栏，给出了${Array.isArray(names) ? names.length : 0}个`);
    }
    names.forEach((name, s) => {
      if (typeof name !== "string") refuse("bad-form", `第${s + 1}个另选他人栏应为字符串`);
      if ((name !== "") !== (values[form.selections - form.writeIns + s] === 1)) {
        refuse("bad-form", `第${s + 1}个另选他人栏：填了姓名才算使用，使用了才可填姓名`);
      }
      const fault = name === "" ? null : nameFault(name);
      if (fault !== null) refuse("bad-form", `第${s + 1}个另选他人栏：${fault}`);
    });
    const written = names.filter(name => name !== "");
    if (new Set(written).size !== written.length) refuse("bad-form", "同一人不得重复另选");
  }

  /** Encrypt and prove a ballot: {ballot, tracker, code, opening}; values has one 0 or 1 per
      selection and satisfies the form. Then castBallot(result) — the opening is wiped — or
      spoil(result.opening). Draws: the ballot id (16 bytes), the nonces r_0 … r_{N−1}, then
      each selection's proof and each limit's proof, in order. */
  function encryptBallot(context, values, {rng = SYSTEM, names = []} = {}) {
    const {vid, key, form} = readContext(context);
    if (!Array.isArray(values) || !satisfies(form, values)) {
      refuse("bad-form", "所选不符合本表决的格式（每项为0或1，且满足每个限制）");
    }
    checkNames(form, values, names);
    const id = S.to_hex(rng.octets(16));
    const nonces = values.map(() => rng.scalar());
    const rhos = names.map(() => rng.scalar());
    const cipher = values.map((m, i) => [base(nonces[i]), add(multipleOfG(m), mul(nonces[i], key))]);
    const selections = values.map((m, i) => {
      const [alpha, beta] = cipher[i];
      const st = {vid, ballot: id, where: "s" + i, lo: 0, hi: 1, alpha, beta, key};
      return {alpha: S.to_hex(alpha), beta: S.to_hex(beta), proof: proveRange(st, m, nonces[i], rng)};
    });
    const limits = form.limits.map((limit, j) => {
      const [alpha, beta] = limitSum(cipher, limit.of);
      const r = limit.of.reduce((acc, i) => secretSum(acc, nonces[i]), zero());
      const value = limit.of.reduce((acc, i) => acc + values[i], 0);
      const st = {vid, ballot: id, where: "l" + j, lo: limit.min, hi: limit.max, alpha, beta, key};
      const proof = proveRange(st, value, r, rng);
      r.fill(0);
      return {proof};
    });
    const ballot = {ballot: id, vid, selections, limits};
    if (form.writeIns) {
      ballot.write_ins = names.map((name, s) => {
        const [R, sealed] = sealName(vid, id, s, rhos[s], key, name);
        const proof = proveSchnorr(TAG.writeIn, slotPrefix(vid, id, s, cipher[form.selections - form.writeIns + s], sealed),
                                   rhos[s], R, rng);
        return {r: S.to_hex(R), sealed: S.to_base64(sealed, S.base64_variants.ORIGINAL), ...proof};
      });
    }
    const tracker = h256(ballot);
    return {ballot, tracker, code: trackingCode(tracker),
            opening: new Opening(id, tracker, values, nonces, rhos, [...names])};
  }
  function limitSum(cipher, of) {
    let alpha = cipher[of[0]][0], beta = cipher[of[0]][1];
    for (const i of of.slice(1)) { alpha = add(alpha, cipher[i][0]); beta = add(beta, cipher[i][1]); }
    return [alpha, beta];
  }

  /** The deputy casts: the opening is wiped first; returns the ballot to send (resend it as is).
      A spoiled ballot (its opening published) is refused: it must never be counted. */
  function castBallot(encrypted) {
    if (encrypted.opening.spoiled) refuse("spoiled", "这张选票已公开核验，不能投出；请重新生成选票");
    encrypted.opening.wipe();
    return encrypted.ballot;
  }
  /** The deputy challenges: returns the opening to publish; the ballot is spoiled. */
  function spoil(opening) { return opening.spoil(); }
  /** Zero a secret's bytes: an Opening, a TrusteeSecret or a TrusteeShare. */
  function wipe(secret) { secret.wipe(); }

  /** The ballot's structure for the vote (vid, form), in the spec's order of checks (§3.4). */
  function readBallot(value, vid, form) {
    const names = ["ballot", "vid", "selections", "limits", ...(form.writeIns ? ["write_ins"] : [])];
    const obj = members(value, names, "ballot");
    hexId(obj.ballot, "ballot.ballot", 32);
    hexId(obj.vid, "ballot.vid", 64);
    if (obj.vid !== vid) refuse("wrong-vid", "选票不属于本次表决（vid 不符）");
    array(obj.selections, "ballot.selections");
    array(obj.limits, "ballot.limits");
    if (obj.selections.length !== form.selections) {
      refuse("wrong-selection-count", `选票应有${form.selections}个选择项，实有${obj.selections.length}个`);
    }
    if (obj.limits.length !== form.limits.length) {
      refuse("wrong-limit-count", `选票应有${form.limits.length}个限制证明，实有${obj.limits.length}个`);
    }
    const selections = obj.selections.map((item, i) => {
      const at = `ballot.selections[${i}]`;
      const sel = members(item, ["alpha", "beta", "proof"], at);
      return {alpha: pointFromHex(sel.alpha, {field: at + ".alpha"}),
              beta: pointFromHex(sel.beta, {field: at + ".beta"}),
              proof: readRangeProof(sel.proof, at + ".proof", 2)};
    });
    const limits = obj.limits.map((item, j) => {
      const at = `ballot.limits[${j}]`;
      const {min, max} = form.limits[j];
      return readRangeProof(members(item, ["proof"], at).proof, at + ".proof", max - min + 1);
    });
    return {id: obj.ballot, selections, limits, writeIns: readWriteIns(obj, form)};
  }
  function readSealed(value, field) {
    text(value, field);
    let data = null;
    try { data = S.from_base64(value, S.base64_variants.ORIGINAL); } catch { data = null; }
    if (data === null || data.length !== SEALED_BYTES || S.to_base64(data, S.base64_variants.ORIGINAL) !== value) {
      malformed(field, `应为 ${SEALED_BYTES} 字节的规范 base64`);
    }
    return data;
  }
  function readWriteIns(obj, form) {
    if (!form.writeIns) return [];
    array(obj.write_ins, "ballot.write_ins");
    if (obj.write_ins.length !== form.writeIns) {
      refuse("wrong-write-in-count", `选票应有${form.writeIns}个另选他人栏，实有${obj.write_ins.length}个`);
    }
    return obj.write_ins.map((item, s) => {
      const at = `ballot.write_ins[${s}]`;
      const slot = members(item, ["r", "sealed", "c", "s"], at);
      return {r: pointFromHex(slot.r, {field: at + ".r"}), sealed: readSealed(slot.sealed, at + ".sealed"),
              proof: readProof({c: slot.c, s: slot.s}, at)};
    });
  }

  /** A ballot is well-formed for the vote (§3.4), or a Refusal says where not (refusal.where:
      "s<i>" / "l<j>" for a proof). */
  function checkBallot(context, ballot) {
    const {vid, key, form} = readContext(context);
    const b = readBallot(ballot, vid, form);
    const cipher = b.selections.map(sel => [sel.alpha, sel.beta]);
    b.selections.forEach((sel, i) => {
      const st = {vid, ballot: b.id, where: "s" + i, lo: 0, hi: 1, alpha: sel.alpha, beta: sel.beta, key};
      if (!checkRange(st, sel.proof)) refuse("bad-selection-proof", `第${i + 1}个选择项的证明不成立`, {where: "s" + i});
    });
    form.limits.forEach((limit, j) => {
      const [alpha, beta] = limitSum(cipher, limit.of);
      const st = {vid, ballot: b.id, where: "l" + j, lo: limit.min, hi: limit.max, alpha, beta, key};
      if (!checkRange(st, b.limits[j])) refuse("bad-limit-proof", `第${j + 1}个限制的证明不成立`, {where: "l" + j});
    });
    b.writeIns.forEach((slot, s) => {
      const prefix = slotPrefix(vid, b.id, s, cipher[form.selections - form.writeIns + s], slot.sealed);
      if (!checkSchnorr(TAG.writeIn, prefix, slot.r, slot.proof)) {
        refuse("bad-write-in-proof", `第${s + 1}个另选他人栏的证明不成立`, {where: "w" + s});
      }
    });
    return true;
  }

  /** A published opening opens this spoiled (well-formed) ballot of the vote (§3.6), or a Refusal. */
  function checkOpening(context, ballot, opening) {
    const {vid, key, form} = readContext(context);
    const b = readBallot(ballot, vid, form);  // a ballot of another vote: wrong-vid
    const obj = members(opening, ["ballot", "tracker", "values", "nonces", ...(form.writeIns ? ["write_ins"] : [])],
                        "opening");
    hexId(obj.ballot, "opening.ballot", 32);
    hexId(obj.tracker, "opening.tracker", 64);
    const values = array(obj.values, "opening.values").map((m, i) => integer(m, `opening.values[${i}]`));
    const nonces = array(obj.nonces, "opening.nonces").map((r, i) =>
      scalarFromHex(r, {nonzero: true, field: `opening.nonces[${i}]`}));
    const slots = form.writeIns ? array(obj.write_ins, "opening.write_ins").map((item, s) => {
      const at = `opening.write_ins[${s}]`;
      const slot = members(item, ["rho", "name"], at);
      return {rho: scalarFromHex(slot.rho, {nonzero: true, field: at + ".rho"}), name: text(slot.name, at + ".name")};
    }) : [];
    if (obj.ballot !== b.id) refuse("wrong-ballot-id", "公开的随机数不属于这张选票（选票编号不符）");
    if (obj.tracker !== h256(ballot)) refuse("wrong-tracker", "公开的随机数不属于这张选票（核验码不符）");
    if (values.length !== b.selections.length || nonces.length !== b.selections.length) {
      refuse("wrong-value-count", "公开的值和随机数的个数与选择项数不符");
    }
    if (!satisfies(form, values)) refuse("values-break-form", "公开的值不符合本表决的格式");
    values.forEach((m, i) => {
      const sel = b.selections[i];
      if (!equal(base(nonces[i]), sel.alpha) || !equal(add(multipleOfG(m), mul(nonces[i], key)), sel.beta)) {
        refuse("opening-mismatch", `第${i + 1}个选择项的密文与公开的值和随机数不符`);
      }
    });
    if (slots.length !== b.writeIns.length) refuse("wrong-write-in-count", "公开的另选他人栏数与选票不符");
    const written = slots.map(slot => slot.name).filter(name => name !== "");
    if (new Set(written).size !== written.length) refuse("bad-write-in-name", "同一人在两个另选他人栏中重复");
    slots.forEach(({rho, name}, s) => {
      const fault = name === "" ? null : nameFault(name);
      if (fault !== null) refuse("bad-write-in-name", `第${s + 1}个另选他人栏：${fault}`);
      if ((name !== "") !== (values[form.selections - form.writeIns + s] === 1)) {
        refuse("write-in-breaks-use", `第${s + 1}个另选他人栏的姓名与其是否使用不符`);
      }
      const [R, sealed] = sealName(vid, b.id, s, rho, key, name);
      if (!equal(R, b.writeIns[s].r) || !equal(sealed, b.writeIns[s].sealed)) {
        refuse("write-in-mismatch", `第${s + 1}个另选他人栏的密文与公开的随机数和姓名不符`);
      }
    });
    return true;
  }

  /* -- the key ceremony (§2) ------------------------------------------------------------------ */
  function readCeremony(value) {
    const obj = members(value, ["suite", "origin", "ceremony", "n", "k", "trustees"], "ceremony");
    if (obj.suite !== SUITE) malformed("ceremony.suite", `应为 ${SUITE}`);
    const names = array(obj.trustees, "ceremony.trustees").map((name, i) => text(name, `ceremony.trustees[${i}]`));
    text(obj.origin, "ceremony.origin");
    text(obj.ceremony, "ceremony.ceremony");
    const n = integer(obj.n, "ceremony.n"), k = integer(obj.k, "ceremony.k");
    if (n !== names.length || k < 1 || k > n) refuse("bad-ceremony", "监票人人数与名单不符，或门限不在1到人数之间");
    return {cid: h256(obj), n, k, names};
  }
  function ceremonyId(ceremony) { return readCeremony(ceremony).cid; }

  function trusteeIndex(st, value, field) {
    const i = integer(value, field);
    if (i < 1 || i > st.n) refuse("wrong-trustee", `监票人序号${i}不在1到${st.n}之间`, {trustee: i});
    return i;
  }

  /** Schnorr: knowledge of x with P = x·G; R = w·G, c = Hs(tag, [...prefix, P, R]), s = w + c·x. */
  function proveSchnorr(tag, prefix, x, P, rng) {
    const w = rng.scalar();
    const c = hs(tag, [...prefix, S.to_hex(P), S.to_hex(base(w))]);
    return {c: S.to_hex(c), s: S.to_hex(response(w, c, x))};
  }
  function checkSchnorr(tag, prefix, P, {c, s}) {
    const R = sub(base(s), mul(c, P));
    return !isZero(R) && equal(c, hs(tag, [...prefix, S.to_hex(P), S.to_hex(R)]));
  }

  /** What trustee i's device keeps from round 1 to round 3: the polynomial and the box key pair. */
  class TrusteeSecret {
    #coefficients;
    #boxSecret;
    constructor(cid, trustee, box, boxSecret, coefficients) {
      this.cid = cid;
      this.trustee = trustee;
      this.box = box;
      this.#boxSecret = boxSecret;
      this.#coefficients = coefficients;
    }
    get wiped() { return this.#boxSecret === null; }
    wipe() {
      if (this.#boxSecret === null) return;
      this.#boxSecret.fill(0);
      for (const a of this.#coefficients) a.fill(0);
      this.#boxSecret = this.#coefficients = null;
    }
    /** f_i(j) mod ℓ (Horner). */
    shareFor(j) {
      if (this.#boxSecret === null) gone("本监票人第一轮的秘密");
      const at = scalarOf(j);
      let acc = zero();
      for (let t = this.#coefficients.length - 1; t >= 0; t--) {
        const product = sMul(acc, at);
        acc.fill(0);
        acc = secretSum(product, this.#coefficients[t]);
      }
      return acc;
    }
    open(sealed) {
      if (this.#boxSecret === null) gone("本监票人第一轮的秘密");
      return S.crypto_box_seal_open(sealed, S.from_hex(this.box), this.#boxSecret);
    }
    secretBytes() { return this.#boxSecret === null ? [] : [this.#boxSecret, ...this.#coefficients]; }
  }
  TrusteeSecret.prototype.toJSON = refuseJSON("监票人第一轮的秘密");

  /** Trustee j's share x_j of the election key (after round 3, or restored from a backup). */
  class TrusteeShare {
    #x;
    constructor(trustee, x) {
      this.trustee = trustee;
      this.shareKey = S.to_hex(base(x));
      this.#x = x;
    }
    get wiped() { return this.#x === null; }
    wipe() { if (this.#x !== null) { this.#x.fill(0); this.#x = null; } }
    secret() { return this.#x === null ? gone("本监票人的密钥份额") : this.#x; }
    secretBytes() { return this.#x === null ? [] : [this.#x]; }
  }
  TrusteeShare.prototype.toJSON = refuseJSON("监票人的密钥份额");

  /** A share x_j from its 64 hex characters (a backup; docs/ballot-crypto.md §7). */
  function trusteeShare(trustee, xHex) {
    const j = integer(trustee, "trustee");
    if (j < 1) refuse("wrong-trustee", "监票人序号应从1起");
    return new TrusteeShare(j, scalarFromHex(xHex, {nonzero: true, field: "share"}));
  }

  /** Round 1 on trustee i's device: {commitment to publish, secret to keep}. Draws: the box key
      seed (32 bytes), a_{i,0} … a_{i,k−1}, then one w per coefficient proof. */
  function ceremonyRound1(ceremony, i, {rng = SYSTEM} = {}) {
    const st = readCeremony(ceremony);
    trusteeIndex(st, i, "trustee");
    const seed = rng.octets(32);
    const box = S.crypto_box_seed_keypair(seed);
    seed.fill(0);
    const coefficients = Array.from({length: st.k}, () => rng.scalar());
    const points = coefficients.map(base);
    const commitment = {trustee: i, box: S.to_hex(box.publicKey), coefficients: coefficients.map((a, t) =>
      ({point: S.to_hex(points[t]), ...proveSchnorr(TAG.coefficient, [st.cid, i, t], a, points[t], rng)}))};
    return {commitment, secret: new TrusteeSecret(st.cid, i, commitment.box, box.privateKey, coefficients)};
  }

  function readCommitment(st, value) {
    const obj = members(value, ["trustee", "box", "coefficients"], "commitment");
    const i = trusteeIndex(st, obj.trustee, "commitment.trustee");
    hexId(obj.box, "commitment.box", 64);
    const points = array(obj.coefficients, "commitment.coefficients", st.k).map((item, t) => {
      const at = `commitment.coefficients[${t}]`;
      const raw = members(item, ["point", "c", "s"], at);
      const point = pointFromHex(raw.point, {field: at + ".point"});
      const proof = {c: scalarFromHex(raw.c, {field: at + ".c"}), s: scalarFromHex(raw.s, {field: at + ".s"})};
      if (!checkSchnorr(TAG.coefficient, [st.cid, i, t], point, proof)) {
        refuse("bad-coefficient-proof", `第${i}位监票人第${t}个系数承诺的证明不成立`, {trustee: i});
      }
      return point;
    });
    return {trustee: i, box: obj.box, points};
  }
  /** A trustee's round-1 commitment checks (§2.2), or a Refusal naming the trustee. */
  function checkCommitment(ceremony, commitment) {
    readCommitment(readCeremony(ceremony), commitment);
    return true;
  }
  /** Every trustee's commitment, each checked, by trustee: all[i − 1]. */
  function readCommitments(st, values) {
    const all = array(values, "commitments").map(value => readCommitment(st, value));
    const order = all.map(c => c.trustee).sort((a, b) => a - b);
    if (order.length !== st.n || order.some((i, at) => i !== at + 1)) {
      refuse("missing-trustee", "应有每位监票人的承诺各一份");
    }
    return order.map(i => all.find(c => c.trustee === i));
  }
  /** Σ_t j^t·C_{i,t}: the public image of f_i(j). */
  function sharePoint(points, j) {
    const at = scalarOf(j);
    let acc = zero();
    for (let t = points.length - 1; t >= 0; t--) acc = add(mul(at, acc), points[t]);
    return acc;
  }
  const shareKeyOf = (all, j) => all.reduce((acc, c) => add(acc, sharePoint(c.points, j)), zero());
  function shareMessage(cid, from, to, share) { return jcsBytes({cid, from, to, share: S.to_hex(share)}); }

  /** Round 2 on trustee i's device: f_i(j) sealed to every other trustee j (§2.3), given every
      trustee's commitment. Sealing draws libsodium's own randomness. */
  function ceremonyRound2(ceremony, secret, commitments) {
    const st = readCeremony(ceremony);
    if (secret.cid !== st.cid) refuse("bad-ceremony", "本机的秘密不属于这次密钥生成");
    const all = readCommitments(st, commitments);
    if (all[secret.trustee - 1].box !== secret.box) refuse("wrong-trustee", "公开的承诺不是本机生成的");
    return all.filter(c => c.trustee !== secret.trustee).map(c => {
      const share = secret.shareFor(c.trustee);
      const message = shareMessage(st.cid, secret.trustee, c.trustee, share);
      const sealed = S.crypto_box_seal(message, S.from_hex(c.box));
      share.fill(0);
      message.fill(0);
      return {trustee: secret.trustee, to: c.trustee, sealed: S.to_base64(sealed, S.base64_variants.ORIGINAL)};
    });
  }

  function openShare(st, secret, all, value) {
    const obj = members(value, ["trustee", "to", "sealed"], "share");
    const dealer = trusteeIndex(st, obj.trustee, "share.trustee");
    if (integer(obj.to, "share.to") !== secret.trustee || dealer === secret.trustee) {
      refuse("wrong-trustee", "这份份额不是发给本监票人的", {trustee: dealer});
    }
    const bad = () => refuse("bad-share",
      `第${dealer}位监票人（${st.names[dealer - 1]}）发来的份额无效，请重新进行密钥生成`, {trustee: dealer});
    const sealedText = text(obj.sealed, "share.sealed");
    let message = null, share = null;
    try {
      message = secret.open(S.from_base64(sealedText, S.base64_variants.ORIGINAL));
      const parsed = JSON.parse(new TextDecoder("utf-8", {fatal: true}).decode(message));
      share = scalarFromHex(members(parsed, ["cid", "from", "to", "share"], "share").share);
    } catch (error) {
      if (error instanceof Refusal && error.finding === "wiped") throw error;
      if (message) message.fill(0);
      return bad();  // does not open, is not UTF-8 JSON with these members, or no scalar
    }
    const canonical = shareMessage(st.cid, dealer, secret.trustee, share);
    const same = equal(canonical, message);
    canonical.fill(0);
    message.fill(0);
    if (!same || !equal(base(share), sharePoint(all[dealer - 1].points, secret.trustee))) {
      share.fill(0);
      bad();
    }
    return {dealer, share};
  }

  /** Round 3 on trustee j's device (§2.3–2.4): open and check every share sent to j — a bad one
      stops here with the dealer's name (refusal.trustee) — keep x_j and publish the
      confirmation. The round-1 secret is wiped. Returns {confirmation, share}. Draws: one w. */
  function ceremonyRound3(ceremony, secret, commitments, shares, {rng = SYSTEM} = {}) {
    const st = readCeremony(ceremony);
    if (secret.cid !== st.cid) refuse("bad-ceremony", "本机的秘密不属于这次密钥生成");
    const all = readCommitments(st, commitments);
    const j = secret.trustee;
    const received = new Map();
    for (const value of array(shares, "shares")) {
      if (isPlainObject(value) && value.to !== j) continue;  // relayed to someone else
      const {dealer, share} = openShare(st, secret, all, value);
      if (received.has(dealer)) refuse("bad-share", `第${dealer}位监票人发来了两份份额`, {trustee: dealer});
      received.set(dealer, share);
    }
    if (received.size !== st.n - 1) refuse("missing-trustee", "尚未收齐其他每位监票人的份额");
    let x = secret.shareFor(j);
    for (const share of received.values()) { x = secretSum(x, share); share.fill(0); }
    const X = shareKeyOf(all, j);
    if (!equal(base(x), X)) refuse("wrong-share-key", "本监票人的份额之和与公开的承诺不符", {trustee: j});
    secret.wipe();
    const confirmation = {trustee: j, share_key: S.to_hex(X), ...proveSchnorr(TAG.shareKey, [st.cid, j], x, X, rng)};
    return {confirmation, share: new TrusteeShare(j, x)};
  }

  function readConfirmation(st, all, value) {
    const obj = members(value, ["trustee", "share_key", "c", "s"], "confirmation");
    const j = trusteeIndex(st, obj.trustee, "confirmation.trustee");
    const X = pointFromHex(obj.share_key, {field: "confirmation.share_key"});
    const proof = {c: scalarFromHex(obj.c, {field: "confirmation.c"}),
                   s: scalarFromHex(obj.s, {field: "confirmation.s"})};
    if (!equal(X, shareKeyOf(all, j))) refuse("wrong-share-key", `第${j}位监票人的份额公钥与公开的承诺不符`, {trustee: j});
    if (!checkSchnorr(TAG.shareKey, [st.cid, j], X, proof)) {
      refuse("bad-confirmation-proof", `第${j}位监票人的确认证明不成立`, {trustee: j});
    }
    return {trustee: j, X};
  }
  /** A trustee's round-3 confirmation checks against every commitment (§2.4). */
  function checkConfirmation(ceremony, commitments, confirmation) {
    const st = readCeremony(ceremony);
    readConfirmation(st, readCommitments(st, commitments), confirmation);
    return true;
  }
  /** When all n have confirmed: {cid, key: K = Σ_i C_{i,0}, share_keys: [X_1, …, X_n]}. */
  function ceremonyResult(ceremony, commitments, confirmations) {
    const st = readCeremony(ceremony);
    const all = readCommitments(st, commitments);
    const read = array(confirmations, "confirmations").map(value => readConfirmation(st, all, value));
    const order = read.map(c => c.trustee).sort((a, b) => a - b);
    if (order.length !== st.n || order.some((j, at) => j !== at + 1)) refuse("missing-trustee", "应有每位监票人的确认各一份");
    const K = all.reduce((acc, c) => add(acc, c.points[0]), zero());
    if (isZero(K)) refuse("identity-key", "选举公钥为单位元，请重新进行密钥生成");
    return {cid: st.cid, key: S.to_hex(K),
            share_keys: order.map(j => S.to_hex(read.find(c => c.trustee === j).X))};
  }

  /* -- a trustee's secret at rest: the key file (§7) ------------------------------------------- */
  const KEY_FILE = "renda-trustee-key";
  const KEY_FILE_KINDS = {round1: 1, share: 2};
  // libsodium's INTERACTIVE limits for Argon2id: about half a second in Chromium on these machines.
  const KDF_DEFAULT = {alg: "argon2id13", opslimit: 2, memlimit: 67108864};
  const KDF_LIMITS = {opslimit: [1, 10], memlimit: [8192, 268435456]};
  const b64 = bytes => S.to_base64(bytes, S.base64_variants.ORIGINAL);
  function fromB64(value, field, length) {
    text(value, field);
    let bytes;
    try { bytes = S.from_base64(value, S.base64_variants.ORIGINAL); } catch (error) { bytes = null; }
    if (!bytes || b64(bytes) !== value) malformed(field, "应为标准 base64（RFC 4648 §4，含填充）");
    if (length !== undefined && bytes.length !== length) malformed(field, `应为 ${length} 字节`);
    return bytes;
  }
  function readKdf(value) {
    const obj = members(value, ["alg", "opslimit", "memlimit", "salt"], "kdf");
    if (obj.alg !== "argon2id13") refuse("unsupported-kdf", "密钥文件的口令算法应为 argon2id13");
    for (const name of ["opslimit", "memlimit"]) {
      const [lo, hi] = KDF_LIMITS[name];
      if (!isSmallInt(obj[name]) || obj[name] < lo || obj[name] > hi) refuse("unsupported-kdf", `kdf.${name} 应在 ${lo} 到 ${hi} 之间`);
    }
    return {alg: obj.alg, opslimit: obj.opslimit, memlimit: obj.memlimit,
            salt: fromB64(obj.salt, "kdf.salt", lib().crypto_pwhash_SALTBYTES)};
  }

  /** The key that a passphrase gives under a file's kdf parameters (Argon2id, crypto_pwhash);
      made once per passphrase and salt, kept by the page while it is unlocked, then wiped. */
  class PassphraseKey {
    #key;
    constructor(kdf, key) {
      this.kdf = kdf;
      this.#key = key;
    }
    get wiped() { return this.#key === null; }
    wipe() { if (this.#key !== null) { this.#key.fill(0); this.#key = null; } }
    bytes() { return this.#key === null ? gone("口令密钥") : this.#key; }
    secretBytes() { return this.#key === null ? [] : [this.#key]; }
  }
  PassphraseKey.prototype.toJSON = refuseJSON("口令密钥");

  /** The key of a passphrase (its Unicode NFC form in UTF-8): under kdf (a key file's `kdf`), or
      with a fresh random salt and the default limits when kdf is left out. Slow on purpose. */
  function passphraseKey(passphrase, kdf) {
    lib();
    if (typeof passphrase !== "string" || passphrase.length === 0) refuse("bad-passphrase", "请输入口令");
    const params = kdf === undefined || kdf === null
      ? {...KDF_DEFAULT, salt: S.randombytes_buf(S.crypto_pwhash_SALTBYTES)} : readKdf(kdf);
    const password = new TextEncoder().encode(passphrase.normalize("NFC"));
    const key = S.crypto_pwhash(S.crypto_secretbox_KEYBYTES, password, params.salt, params.opslimit, params.memlimit,
                                S.crypto_pwhash_ALG_ARGON2ID13);
    password.fill(0);
    return new PassphraseKey({alg: params.alg, opslimit: params.opslimit, memlimit: params.memlimit,
                              salt: b64(params.salt)}, key);
  }

  function readAbout(value) {
    if (!isPlainObject(value)) malformed("about", "应为 JSON 对象");
    jcs(value);
    const kind = KEY_FILE_KINDS[value.kind];
    if (!kind) malformed("about.kind", "应为 round1 或 share");
    hexId(value.cid, "about.cid", 64);
    if (!isSmallInt(value.trustee) || value.trustee < 1) malformed("about.trustee", "监票人序号应从1起");
    if (value.kind === "round1") hexId(value.box, "about.box", 64);
    else pointFromHex(value.share_key, {field: "about.share_key"});
    return kind;
  }

  /** Seal a TrusteeSecret (kind "round1") or a TrusteeShare (kind "share") under a passphrase
      key: the key file (§7), JSON, for localStorage and for the backup download. `about` is the
      public description (kind, cid, trustee, and box or share_key; anything else the page wants
      to show), stored in clear and bound to the ciphertext by its hash. */
  function sealTrustee(key, secret, about) {
    const kind = readAbout(about);
    let parts;
    if (secret instanceof TrusteeSecret) {
      if (kind !== KEY_FILE_KINDS.round1 || about.cid !== secret.cid || about.trustee !== secret.trustee ||
          about.box !== secret.box) malformed("about", "与第一轮的秘密不符（kind、cid、trustee、box）");
      parts = secret.secretBytes();
      if (!parts.length) gone("本监票人第一轮的秘密");
    } else if (secret instanceof TrusteeShare) {
      if (kind !== KEY_FILE_KINDS.share || about.trustee !== secret.trustee || about.share_key !== secret.shareKey) {
        malformed("about", "与密钥份额不符（kind、trustee、share_key）");
      }
      parts = [secret.secret()];
    } else {
      return malformed("secret", "应为 TrusteeSecret 或 TrusteeShare");
    }
    const plain = new Uint8Array(33 + 32 * parts.length);
    plain[0] = kind;
    plain.set(S.crypto_hash_sha256(jcsBytes(about)), 1);
    parts.forEach((part, i) => plain.set(part, 33 + 32 * i));
    const nonce = S.randombytes_buf(S.crypto_secretbox_NONCEBYTES);
    const sealed = S.crypto_secretbox_easy(plain, nonce, key.bytes());
    plain.fill(0);
    return {format: KEY_FILE, version: 1, about: JSON.parse(jcs(about)), kdf: {...key.kdf},
            cipher: "xsalsa20poly1305", nonce: b64(nonce), ciphertext: b64(sealed)};
  }

  /** A key file's public parts, checked (before asking for the passphrase): {about, kdf}. */
  function readTrusteeFile(file) {
    const obj = members(file, ["format", "version", "about", "kdf", "cipher", "nonce", "ciphertext"], "file");
    if (obj.format !== KEY_FILE) refuse("not-a-key-file", "这不是监票人密钥文件");
    if (obj.version !== 1) refuse("unsupported-version", `不支持第${obj.version}版的密钥文件`);
    if (obj.cipher !== "xsalsa20poly1305") refuse("unsupported-cipher", "密钥文件的加密算法应为 xsalsa20poly1305");
    readAbout(obj.about);
    readKdf(obj.kdf);
    fromB64(obj.nonce, "nonce", lib().crypto_secretbox_NONCEBYTES);
    fromB64(obj.ciphertext, "ciphertext");
    return {about: obj.about, kdf: obj.kdf};
  }

  /** Open a key file with the key of its passphrase (passphraseKey(passphrase, file.kdf)):
      {about, secret} — a TrusteeSecret or a TrusteeShare. A wrong passphrase, or any change to
      the file, is refused and nothing is lost. */
  function openTrustee(file, key) {
    const {about} = readTrusteeFile(file);
    const kind = KEY_FILE_KINDS[about.kind];
    if (jcs(key.kdf) !== jcs(file.kdf)) refuse("wrong-passphrase", "口令密钥不是按本文件的参数生成的");
    let plain;
    try {
      plain = S.crypto_secretbox_open_easy(fromB64(file.ciphertext, "ciphertext"), fromB64(file.nonce, "nonce"), key.bytes());
    } catch (error) {
      if (error instanceof Refusal) throw error;
      return refuse("wrong-passphrase", "口令不正确（或密钥文件已损坏）");
    }
    try {
      const count = (plain.length - 33) / 32;
      if (plain[0] !== kind || !Number.isInteger(count) || count < 1 || (kind === KEY_FILE_KINDS.share && count !== 1)) {
        refuse("tampered", "密钥文件的内容与说明不符");
      }
      if (!equal(plain.subarray(1, 33), S.crypto_hash_sha256(jcsBytes(about)))) {
        refuse("tampered", "密钥文件的说明部分被改动过");
      }
      const part = i => plain.slice(33 + 32 * i, 65 + 32 * i);
      if (kind === KEY_FILE_KINDS.share) {
        const x = part(0);
        if (!belowOrder(x) || isZero(x) || !equal(base(x), S.from_hex(about.share_key))) {
          x.fill(0);
          refuse("tampered", "密钥文件中的份额与份额公钥不符");
        }
        return {about, secret: new TrusteeShare(about.trustee, x)};
      }
      const boxSecret = part(0);
      const coefficients = Array.from({length: count - 1}, (_, t) => part(t + 1));
      const wipeAll = () => { boxSecret.fill(0); coefficients.forEach(a => a.fill(0)); };
      if (!coefficients.length || coefficients.some(a => !belowOrder(a) || isZero(a)) ||
          !equal(S.crypto_scalarmult_base(boxSecret), S.from_hex(about.box))) {
        wipeAll();
        refuse("tampered", "密钥文件中第一轮的秘密与公开的传输公钥不符");
      }
      return {about, secret: new TrusteeSecret(about.cid, about.trustee, about.box, boxSecret, coefficients)};
    } finally {
      plain.fill(0);
    }
  }

  /** "3F9A-1C07-88D2-4B6E": how people compare an election key (the first 16 hex digits of
      SHA-256 of its 32 bytes, upper case, in groups of 4), as the server gives `fingerprint`. */
  function keyFingerprint(key) {
    const bytes = pointFromHex(key, {field: "key"});
    return S.to_hex(S.crypto_hash_sha256(bytes)).slice(0, 16).toUpperCase().match(/.{4}/g).join("-");
  }

  /* -- the count (§4, §5) --------------------------------------------------------------------- */
  /** Per selection, the sum of the cast ballots' ciphertexts (identity, identity with none). */
  function aggregate(context, ballots) {
    const {form} = readContext(context);
    const sums = Array.from({length: form.selections}, () => [zero(), zero()]);
    array(ballots, "ballots").forEach((ballot, b) => {
      const names = ["ballot", "vid", "selections", "limits", ...(form.writeIns ? ["write_ins"] : [])];
      const selections = members(ballot, names, `ballots[${b}]`).selections;
      if (!Array.isArray(selections) || selections.length !== form.selections) {
        refuse("wrong-total-count", `选票${ballot.ballot}的选择项数与本表决不符`);
      }
      selections.forEach((sel, i) => {
        const at = `ballots[${b}].selections[${i}]`;
        members(sel, ["alpha", "beta", "proof"], at);
        sums[i] = [add(sums[i][0], pointFromHex(sel.alpha, {field: at + ".alpha"})),
                   add(sums[i][1], pointFromHex(sel.beta, {field: at + ".beta"}))];
      });
    });
    return sums.map(([alpha, beta]) => ({alpha: S.to_hex(alpha), beta: S.to_hex(beta)}));
  }
  function readTotals(value, selections) {
    return array(value, "totals", selections).map((item, i) => {
      const obj = members(item, ["alpha", "beta"], `totals[${i}]`);
      return [pointFromHex(obj.alpha, {identity: true, field: `totals[${i}].alpha`}),
              pointFromHex(obj.beta, {identity: true, field: `totals[${i}].beta`})];
    });
  }
  function decryptChallenge(vid, j, i, [A, B], X, D, a, b) {
    return hs(TAG.decrypt, [vid, j, i, ...[A, B, X, D, a, b].map(p => S.to_hex(p))]);
  }

  /** Trustee j's partial decryption of every total with its proofs (§5). Draws: one w per total. */
  function partialDecrypt(context, share, totals, {rng = SYSTEM} = {}) {
    const {vid, form} = readContext(context);
    const x = share.secret();
    const X = S.from_hex(share.shareKey);
    return {trustee: share.trustee, shares: readTotals(totals, form.selections).map((total, i) => {
      const D = mul(x, total[0]);
      const w = rng.scalar();
      const c = decryptChallenge(vid, share.trustee, i, total, X, D, base(w), mul(w, total[0]));
      return {d: S.to_hex(D), c: S.to_hex(c), s: S.to_hex(response(w, c, x))};
    })};
  }
  function readPartial(vid, shareKeys, totals, value) {
    const obj = members(value, ["trustee", "shares"], "partial");
    const j = integer(obj.trustee, "partial.trustee");
    if (j < 1 || j > shareKeys.length) refuse("bad-partial", `监票人序号${j}不在1到${shareKeys.length}之间`, {trustee: j});
    const X = pointFromHex(shareKeys[j - 1], {field: `share_keys[${j - 1}]`});
    const ds = array(obj.shares, "partial.shares", totals.length).map((item, i) => {
      const at = `partial.shares[${i}]`;
      const raw = members(item, ["d", "c", "s"], at);
      const D = pointFromHex(raw.d, {identity: true, field: at + ".d"});
      const c = scalarFromHex(raw.c, {field: at + ".c"}), s = scalarFromHex(raw.s, {field: at + ".s"});
      const [A] = totals[i];
      const a = sub(base(s), mul(c, X)), b = sub(mul(s, A), mul(c, D));
      if (!equal(c, decryptChallenge(vid, j, i, totals[i], X, D, a, b))) {
        refuse("bad-partial", `第${j}位监票人对第${i + 1}项合计的部分解密证明不成立`, {trustee: j});
      }
      return D;
    });
    return {trustee: j, ds};
  }
  /** A trustee's published partial checks against its share key (shareKeys: X_1 … X_n of the
      ceremony's result), or a Refusal naming the trustee. */
  function checkPartial(context, shareKeys, totals, partial) {
    const {vid, form} = readContext(context);
    readPartial(vid, array(shareKeys, "share_keys"), readTotals(totals, form.selections), partial);
    return true;
  }

  /* -- the two write-in rounds (§6.1) ---------------------------------------------------------- */
  function writeInShare(tag, items, x, X, base_, rng) {
    const D = mul(x, base_);
    const w = rng.scalar();
    const c = hs(tag, [...items, ...[X, D, base(w), mul(w, base_)].map(p => S.to_hex(p))]);
    return {d: S.to_hex(D), c: S.to_hex(c), s: S.to_hex(response(w, c, x))};
  }
  function writeInBallot(vid, form, ballot) {
    const b = readBallot(ballot, vid, form);
    if (!form.writeIns) refuse("bad-form", "本表决没有另选他人栏");
    const uses = b.selections.slice(form.selections - form.writeIns).map(sel => [sel.alpha, sel.beta]);
    return {b, uses};
  }
  /** Round 1: trustee j's partial of every counted ballot's use sum (`ballots` in the counted
      order). Draws: one w per ballot. */
  function writeInUsesPartial(context, share, ballots, {rng = SYSTEM} = {}) {
    const {vid, form} = readContext(context);
    const x = share.secret(), X = S.from_hex(share.shareKey);
    return {trustee: share.trustee, shares: array(ballots, "ballots").map(ballot => {
      const {b, uses} = writeInBallot(vid, form, ballot);
      const [A, B] = uses.slice(1).reduce(([a, c], [a2, c2]) => [add(a, a2), add(c, c2)], uses[0]);
      return writeInShare(TAG.decryptUses, [vid, share.trustee, b.id, S.to_hex(A), S.to_hex(B)], x, X, A, rng);
    })};
  }
  /** Round 2: trustee j's partial of every slot (use bit, then R) of the ballots with write-ins.
      Draws: per ballot, per slot, the use share's w then the name share's w. */
  function writeInNamesPartial(context, share, ballots, {rng = SYSTEM} = {}) {
    const {vid, form} = readContext(context);
    const x = share.secret(), X = S.from_hex(share.shareKey);
    const j = share.trustee;
    return {trustee: j, ballots: array(ballots, "ballots").map(ballot => {
      const {b, uses} = writeInBallot(vid, form, ballot);
      return {ballot: b.id, slots: b.writeIns.map((slot, s) => {
        const [alpha, beta] = uses[s];
        return {use: writeInShare(TAG.decryptUse, [vid, j, b.id, s, S.to_hex(alpha), S.to_hex(beta)], x, X, alpha, rng),
                name: writeInShare(TAG.decryptName, [vid, j, b.id, s, S.to_hex(slot.r)], x, X, slot.r, rng)};
      })};
    })};
  }

  function readWriteInShare(tag, items, X, base_, value, at, j, what) {
    const raw = members(value, ["d", "c", "s"], at);
    const D = pointFromHex(raw.d, {identity: true, field: at + ".d"});
    const c = scalarFromHex(raw.c, {field: at + ".c"}), s = scalarFromHex(raw.s, {field: at + ".s"});
    const a = sub(base(s), mul(c, X)), b = sub(mul(s, base_), mul(c, D));
    if (!equal(c, hs(tag, [...items, ...[X, D, a, b].map(p => S.to_hex(p))]))) {
      refuse("bad-partial", `第${j}位监票人对${what}的部分解密证明不成立`, {trustee: j});
    }
    return D;
  }
  function writeInTrustee(value, shareKeys, names) {
    const obj = members(value, names, "partial");
    const j = integer(obj.trustee, "partial.trustee");
    if (j < 1 || j > shareKeys.length) refuse("bad-partial", `监票人序号${j}不在1到${shareKeys.length}之间`, {trustee: j});
    return {obj, j, X: pointFromHex(shareKeys[j - 1], {field: `share_keys[${j - 1}]`})};
  }
  function usesSum(uses) {
    return uses.slice(1).reduce(([a, c], [a2, c2]) => [add(a, a2), add(c, c2)], uses[0]);
  }
  function readUsesPartial(vid, form, shareKeys, ballots, value) {
    const {obj, j, X} = writeInTrustee(value, shareKeys, ["trustee", "shares"]);
    const ds = array(obj.shares, "partial.shares", ballots.length).map((item, at) => {
      const {b, uses} = ballots[at];
      const [A, B] = usesSum(uses);
      return readWriteInShare(TAG.decryptUses, [vid, j, b.id, S.to_hex(A), S.to_hex(B)], X, A, item,
                              `partial.shares[${at}]`, j, `选票${b.id}的另选他人栏数`);
    });
    return {trustee: j, ds};
  }
  function readNamesPartial(vid, form, shareKeys, ballots, value) {
    const {obj, j, X} = writeInTrustee(value, shareKeys, ["trustee", "ballots"]);
    array(obj.ballots, "partial.ballots");
    if (obj.ballots.length !== ballots.length) {
      refuse("wrong-ballots", `第${j}位监票人的部分解密应有${ballots.length}张选票，实有${obj.ballots.length}张`, {trustee: j});
    }
    return {trustee: j, ballots: obj.ballots.map((item, at) => {
      const where = `partial.ballots[${at}]`;
      const entry = members(item, ["ballot", "slots"], where);
      const {b, uses} = ballots[at];
      if (text(entry.ballot, where + ".ballot") !== b.id) {
        refuse("wrong-ballots", `第${j}位监票人的部分解密第${at + 1}张选票应为${b.id}`, {trustee: j});
      }
      return array(entry.slots, where + ".slots", b.writeIns.length).map((raw, s) => {
        const slot = members(raw, ["use", "name"], `${where}.slots[${s}]`);
        const what = `选票${b.id}第${s + 1}个另选他人栏`;
        const [alpha, beta] = uses[s];
        return {
          use: readWriteInShare(TAG.decryptUse, [vid, j, b.id, s, S.to_hex(alpha), S.to_hex(beta)], X, alpha, slot.use,
                                `${where}.slots[${s}].use`, j, what),
          name: readWriteInShare(TAG.decryptName, [vid, j, b.id, s, S.to_hex(b.writeIns[s].r)], X, b.writeIns[s].r,
                                 slot.name, `${where}.slots[${s}].name`, j, what)};
      });
    })};
  }
  /** A trustee's published partial of write-in round "uses" (against every counted ballot) or
      "names" (against the ballots with write-ins) checks, or a Refusal naming the trustee. */
  function checkWriteInPartial(context, shareKeys, ballots, round, partial) {
    const {vid, form} = readContext(context);
    const read = array(ballots, "ballots").map(ballot => writeInBallot(vid, form, ballot));
    if (round === "uses") readUsesPartial(vid, form, array(shareKeys, "share_keys"), read, partial);
    else if (round === "names") readNamesPartial(vid, form, array(shareKeys, "share_keys"), read, partial);
    else malformed("round", "应为 uses 或 names");
    return true;
  }
  function quorumOf(read, k) {
    integer(k, "k");
    const quorum = read.map(p => p.trustee);
    if (read.length !== k || new Set(quorum).size !== k) refuse("wrong-quorum", `应有${k}位不同监票人的部分解密`);
    return lagrange(quorum);
  }
  /** Round 1 combined: each counted ballot's number of write-ins, from k checked partials. */
  function combineWriteInUses(context, shareKeys, ballots, partials, k) {
    const {vid, form} = readContext(context);
    const read = array(ballots, "ballots").map(ballot => writeInBallot(vid, form, ballot));
    const parts = array(partials, "partials").map(p => readUsesPartial(vid, form, array(shareKeys, "share_keys"),
                                                                       read, p));
    const lambdas = quorumOf(parts, k);
    return read.map(({b, uses}, at) => {
      let masked = usesSum(uses)[1];
      for (const p of parts) masked = sub(masked, mul(lambdas[p.trustee], p.ds[at]));
      for (let v = 0; v <= form.writeIns; v++) if (equal(masked, multipleOfG(v))) return v;
      return refuse("no-count", `选票${b.id}的另选他人栏数解不出0到${form.writeIns}之间的数`);
    });
  }
  function openName(vid, id, slot, R, shared, sealed) {
    const [k, nonce] = writeInKeyNonce(vid, id, slot, R, shared);
    let padded = null;
    try {
      padded = S.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed, writeInAd(vid, id, slot, R), nonce, k);
    } catch { return null; }
    let end = padded.length;
    while (end > 0 && padded[end - 1] === 0) end--;
    let name = null;
    try { name = new TextDecoder("utf-8", {fatal: true}).decode(padded.slice(0, end)); } catch { return null; }
    return name === "" || nameFault(name) === null ? name : null;
  }
  /** Round 2 combined: the names written on each ballot with write-ins (`ballots`, `uses` their
      round-1 sums), in slot order, from k checked partials. */
  function combineWriteInNames(context, shareKeys, ballots, uses, partials, k) {
    const {vid, form} = readContext(context);
    const read = array(ballots, "ballots").map(ballot => writeInBallot(vid, form, ballot));
    const parts = array(partials, "partials").map(p => readNamesPartial(vid, form, array(shareKeys, "share_keys"),
                                                                        read, p));
    const lambdas = quorumOf(parts, k);
    return read.map(({b, uses: bits}, at) => {
      const names = [];
      b.writeIns.forEach((slot, s) => {
        let masked = bits[s][1];
        let shared = zero();
        for (const p of parts) {
          masked = sub(masked, mul(lambdas[p.trustee], p.ballots[at][s].use));
          shared = add(shared, mul(lambdas[p.trustee], p.ballots[at][s].name));
        }
        if (isZero(masked)) return;
        if (!equal(masked, multipleOfG(1))) refuse("no-count", `选票${b.id}第${s + 1}个另选他人栏的使用位解不出0或1`);
        const name = openName(vid, b.id, s, slot.r, shared, slot.sealed);
        if (!name || names.includes(name)) {
          refuse("bad-write-in", `选票${b.id}第${s + 1}个另选他人栏的姓名打不开或不是有效姓名`);
        }
        names.push(name);
      });
      if (names.length !== integer(uses[at], `uses[${at}]`)) {
        refuse("no-count", `选票${b.id}各另选他人栏的使用位之和与第一轮解出的${uses[at]}不符`);
      }
      return names;
    });
  }

  /** λ_j = Π_{m ∈ Q, m ≠ j} m·(m − j)^{−1} mod ℓ, for each j of the quorum Q: {j: hex}. */
  function lagrange(quorum) {
    const out = {};
    for (const j of quorum) {
      let acc = scalarOf(1);
      for (const m of quorum) {
        if (m !== j) acc = sMul(acc, sMul(scalarOf(m), S.crypto_core_ristretto255_scalar_invert(scalarOf(m - j))));
      }
      out[j] = acc;
    }
    return out;
  }

  /** The counts from the partials of exactly k distinct trustees (each checked here): the v in
      [0, ballots] with v·G = B_i − Σ λ_j·D_{j,i}, for every total i. */
  function combine(context, shareKeys, totals, partials, k, ballots) {
    const {vid, form} = readContext(context);
    const cipher = readTotals(totals, form.selections);
    integer(k, "k");
    integer(ballots, "ballots");
    const read = array(partials, "partials").map(p => readPartial(vid, array(shareKeys, "share_keys"), cipher, p));
    const quorum = read.map(p => p.trustee);
    if (read.length !== k || new Set(quorum).size !== k) refuse("wrong-quorum", `应有${k}位不同监票人的部分解密`);
    const lambdas = lagrange(quorum);
    return cipher.map(([, B], i) => {
      let masked = B;
      for (const p of read) masked = sub(masked, mul(lambdas[p.trustee], p.ds[i]));
      for (let v = 0; v <= ballots; v++) if (equal(masked, multipleOfG(v))) return v;
      return refuse("no-count", `第${i + 1}项合计解不出0到${ballots}之间的票数`);
    });
  }

  return {
    SUITE, Refusal, ready,
    jcs, h256, hashToScalar, pointFromHex, pointToHex, scalarFromHex, scalarToHex, group,
    makeForm, contextId, trackingCode,
    encryptBallot, castBallot, spoil, wipe, checkBallot, checkOpening,
    ceremonyId, ceremonyRound1, checkCommitment, ceremonyRound2, ceremonyRound3, checkConfirmation, ceremonyResult,
    trusteeShare, aggregate, partialDecrypt, checkPartial, combine,
    nameFault, writeInUsesPartial, writeInNamesPartial, checkWriteInPartial, combineWriteInUses, combineWriteInNames,
    passphraseKey, sealTrustee, readTrusteeFile, openTrustee, keyFingerprint,
    lagrange: quorum => Object.fromEntries(Object.entries(lagrange(quorum)).map(([j, v]) => [j, S.to_hex(v)])),
    testing: {
      seededRandomness,
      /** The live Uint8Arrays a secret holds (empty once wiped): to test that wipe() zeroes them. */
      secretBytes: secret => secret.secretBytes(),
    },
  };
})();
