/* The staff page's 账号 and 安全连接 tabs: accounts (create, rename, change role, disable/enable,
   reset the password — a generated password is shown once), and how terminals reach this server
   (the address, the HTTPS certificate with the local CA's QR code and fingerprint, the audit
   signing key's fingerprint). Every change is in the audit log (server/routes/accounts.py). */
"use strict";

(() => {
  const {el, $, api} = R;
  const ROLES = {chair: "主持人", staff: "工作人员", scrutineer: "计票人/监票人", auditor: "审计人员"};
  const AT_REST = {"encrypted": "加密保存（口令文件在数据目录之外）", "outside-data-dir": "保存在数据目录之外（仅本人可读）",
    "clear": "明文保存在数据目录中（仅限本机演示）"};
  let accounts = [];

  function fail(e) { R.alertBox("操作未成功", e.message || String(e)); }

  /* A password shown this once, with what to do with it. */
  function showPassword(username, password) {
    return R.dialog({title: "账号 " + username + " 的密码", body: el("div", {},
      el("p", {}, "密码只显示这一次。请抄写后当面交给本人，本人登录后可自行修改。"),
      el("p", {}, el("code", {id: "shown-password", class: "t-receipt"}, password))),
    buttons: [{label: "已抄写", value: true, primary: true}]});
  }

  async function load() {
    try { accounts = await api("/api/accounts"); } catch (e) { fail(e); return; }
    $("#accounts-table tbody").replaceChildren(...R.nodes(...accounts.map(a => el("tr", {"data-account": a.username},
      el("td", {}, a.username), el("td", {}, a.display_name), el("td", {}, ROLES[a.role] || a.role),
      el("td", {}, el("span", {class: "tag " + (a.disabled ? "tag-bad" : "tag-ok")}, a.disabled ? "已停用" : "可用")),
      el("td", {}, el("div", {class: "row"},
        el("button", {class: "btn btn-small", type: "button", "data-action": "edit", onclick: () => edit(a)}, "修改"),
        el("button", {class: "btn btn-small", type: "button", "data-action": "reset", onclick: () => reset(a)}, "重置密码"),
        el("button", {class: "btn btn-small", type: "button", "data-action": a.disabled ? "enable" : "disable",
          onclick: () => toggle(a)}, a.disabled ? "启用" : "停用")))))));
  }

  function roleSelect(id, value) {
    return el("select", {id}, Object.entries(ROLES).map(([k, l]) => el("option", {value: k, selected: k === value}, l)));
  }

  async function create() {
    const username = el("input", {id: "a-username", style: "width:100%", placeholder: "英文字母、数字，如 zhangsan", autocomplete: "off"});
    const name = el("input", {id: "a-name", style: "width:100%", placeholder: "姓名或称谓，如 计票人丙"});
    const role = roleSelect("a-role", "scrutineer");
    const password = el("input", {id: "a-password", type: "password", style: "width:100%", autocomplete: "new-password",
      placeholder: "留空则由系统生成（推荐）"});
    const error = el("p", {class: "error", id: "a-error", role: "alert"});
    const body = el("div", {}, el("label", {class: "field"}, "用户名", username), el("label", {class: "field"}, "姓名或称谓", name),
      el("label", {class: "field"}, "角色", role), el("label", {class: "field"}, "密码", password), error);
    for (;;) {
      const ok = await R.dialog({title: "新建账号", body, buttons: [{label: "取消", value: false}, {label: "创建", value: true, primary: true}]});
      if (!ok) return;
      const data = {username: username.value.trim(), display_name: name.value.trim(), role: role.value};
      if (password.value) data.password = password.value;
      try {
        const made = await api("/api/accounts", {body: data});
        await load();
        if (made.password) await showPassword(made.account.username, made.password);
        else R.toast("账号 " + made.account.username + " 已创建");
        return;
      } catch (e) {
        error.textContent = e.message;
      }
    }
  }

  async function edit(a) {
    const name = el("input", {id: "e-name", style: "width:100%", value: a.display_name});
    const role = roleSelect("e-role", a.role);
    const error = el("p", {class: "error", id: "e-error", role: "alert"});
    const body = el("div", {}, el("p", {class: "small"}, "更改角色会使该账号已登录的终端立即退出。"),
      el("label", {class: "field"}, "姓名或称谓", name), el("label", {class: "field"}, "角色", role), error);
    for (;;) {
      const ok = await R.dialog({title: "修改账号 " + a.username, body, buttons: [{label: "取消", value: false},
        {label: "保存", value: true, primary: true}]});
      if (!ok) return;
      try {
        await api("/api/accounts/" + a.id, {method: "PATCH", body: {display_name: name.value.trim(), role: role.value}});
        R.toast("账号 " + a.username + " 已修改");
        load();
        return;
      } catch (e) {
        error.textContent = e.message;
      }
    }
  }

  async function reset(a) {
    const ok = await R.confirm("重置 " + a.username + " 的密码", "将生成新密码（只显示一次），原密码立即失效，该账号已登录的终端立即退出。", "重置", true);
    if (!ok) return;
    try {
      const done = await api("/api/accounts/" + a.id + "/password", {body: {}});
      await showPassword(done.username, done.password);
    } catch (e) { fail(e); }
  }

  async function toggle(a) {
    if (!a.disabled) {
      const ok = await R.confirm("停用账号 " + a.username, "停用后该账号不能登录，已登录的终端立即退出。可随时重新启用。", "停用", true);
      if (!ok) return;
    }
    try {
      await api("/api/accounts/" + a.id, {method: "PATCH", body: {disabled: !a.disabled}});
      R.toast("账号 " + a.username + (a.disabled ? " 已启用" : " 已停用"));
      load();
    } catch (e) { fail(e); }
  }

  async function loadDeployment() {
    let info;
    try { info = await api("/api/deployment"); } catch (e) { fail(e); return; }
    $("#dep-url").textContent = info.public_url;
    const t = info.tls;
    $("#dep-tls").replaceChildren(...R.nodes(t === null
      ? el("p", {class: "tag-warn"}, "本服务器只在本机回环地址上运行（演示），未启用 HTTPS；会场终端无法访问。正式使用请按 README「Deployment」部署。")
      : el("div", {},
        el("p", {}, "所有终端通过 HTTPS 加密连接本服务器，签到码、登录凭证和选票不会以明文经过会场无线网络。"),
        el("table", {class: "grid"}, el("tbody", {},
          el("tr", {}, el("th", {}, "证书"), el("td", {}, t.mode === "local-ca" ? "本系统生成的本地证书颁发机构（根证书）" : "贵单位提供的证书")),
          el("tr", {}, el("th", {}, "证书包含的地址"), el("td", {}, t.names.join("，"))),
          el("tr", {}, el("th", {}, "有效期至"), el("td", {}, t.not_after)),
          el("tr", {}, el("th", {}, t.mode === "local-ca" ? "根证书 SHA-256 指纹" : "证书 SHA-256 指纹"),
            el("td", {}, el("code", {id: "dep-fingerprint", style: "overflow-wrap:anywhere"}, t.fingerprint))))),
        t.ca_url ? el("div", {class: "row", style: "margin-top:.8em;align-items:flex-start"},
          el("img", {id: "dep-ca-qr", src: "/ca-qr.svg", alt: "根证书下载二维码", width: 180, height: 180}),
          el("div", {}, el("p", {}, "每台终端首次使用前安装一次根证书：扫描二维码或打开 ", el("code", {}, t.ca_url), "，下载后在系统设置中安装（安卓：设置 → 安全 → 加密与凭据 → 安装证书 → CA 证书；iPad：设置 → 通用 → VPN与设备管理 → 安装描述文件，再到 关于本机 → 证书信任设置 中开启）。"),
            el("p", {}, "安装时核对系统显示的 SHA-256 指纹与上面的指纹完全一致；不一致则不要安装。"),
            el("a", {class: "btn", href: "/ca.crt", download: "renda-ca.crt"}, "下载根证书"))) : null)));
    $("#dep-vkey").textContent = info.audit_key.vkey;
    $("#dep-key-fingerprint").textContent = info.audit_key.fingerprint;
    $("#dep-key-protection").textContent = AT_REST[info.audit_key.protection] || info.audit_key.protection;
  }

  $("#account-new").addEventListener("click", create);
  document.querySelector("[data-tab=accounts]").addEventListener("click", load);
  document.querySelector("[data-tab=deployment]").addEventListener("click", loadDeployment);
})();
