/* "修改密码" in the top bar of every page with an account (chair, staff, scrutineer, auditor):
   shown once signed in, asks for the current password and the new one twice (POST /api/me/password).
   The other terminals signed in with this account are signed out; this one stays. */
"use strict";

(() => {
  const {el, $, api} = R;
  const button = $("#change-password"), logout = $("#logout");
  if (!button || !logout) return;
  /* the page shows "退出登录" once signed in (common.js rolePage): show this beside it */
  new MutationObserver(() => { button.hidden = logout.hidden; }).observe(logout, {attributes: true, attributeFilter: ["hidden"]});

  button.addEventListener("click", async () => {
    const current = el("input", {id: "pw-current", type: "password", autocomplete: "current-password", style: "width:100%"});
    const fresh = el("input", {id: "pw-new", type: "password", autocomplete: "new-password", style: "width:100%"});
    const again = el("input", {id: "pw-again", type: "password", autocomplete: "new-password", style: "width:100%"});
    const error = el("p", {class: "error", id: "pw-error", role: "alert"});
    const body = el("div", {}, el("label", {class: "field"}, "当前密码", current),
      el("label", {class: "field"}, "新密码（至少10位，不能使用演示密码）", fresh), el("label", {class: "field"}, "再输入一次新密码", again), error);
    for (;;) {
      const ok = await R.dialog({title: "修改密码", body, buttons: [{label: "取消", value: false},
        {label: "修改", value: true, primary: true}]});
      if (!ok) return;
      if (fresh.value !== again.value) { error.textContent = "两次输入的新密码不一致"; continue; }
      try {
        await api("/api/me/password", {body: {current_password: current.value, new_password: fresh.value}});
        R.toast("密码已修改，其他终端上的登录已退出");
        return;
      } catch (e) {
        error.textContent = e.message;
      }
    }
  });
})();
