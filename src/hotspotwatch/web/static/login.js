"use strict";
document.getElementById("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const err = document.getElementById("login-error");
  err.hidden = true;
  try {
    await HW.api("/auth/login", { method: "POST", body: {
      username: document.getElementById("username").value,
      password: document.getElementById("password").value } });
    location.href = HW.safeNext(new URLSearchParams(location.search).get("next"));
  } catch (e) {
    err.textContent = e.status === 429 ? HW.t("web.login.rate_limited") : HW.t("web.login.failed");
    err.hidden = false;
  }
});
