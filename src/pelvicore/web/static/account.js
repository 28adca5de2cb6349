// The account page: password, two-step sign-in and account deletion, each a small JSON request.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);

  const send = window.pelvicore.sendJSON;

  function handle(form, action) {
    if (!form) return;
    const result = form.querySelector(".result");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      result.textContent = "";
      try {
        result.textContent = await action(new FormData(form));
      } catch (err) {
        result.textContent = "Not done: " + err.message + ".";
      }
    });
  }

  handle($("password-form"), async (data) => {
    await send("PUT", "/api/me/password", {
      current_password: data.get("current_password"),
      new_password: String(data.get("new_password")),
    });
    $("password-form").reset();
    return "Saved. Your other browsers have been signed out.";
  });

  const start = $("two-step-start");
  if (start) {
    start.addEventListener("click", async () => {
      const setup = await send("POST", "/api/me/two-step");
      const qr = $("two-step-qr");
      qr.innerHTML = setup.qr_svg;
      const svg = qr.querySelector("svg");
      if (svg) { svg.setAttribute("role", "img"); svg.setAttribute("aria-label", "QR code of the key"); }
      $("two-step-secret").textContent = setup.secret;
      $("two-step-setup").hidden = false;
      start.hidden = true;
      $("two-step-code").focus();
    });
  }
  handle($("two-step-confirm"), async (data) => {
    await send("PUT", "/api/me/two-step", { code: String(data.get("code")) });
    location.reload();
    return "Two-step sign-in is on.";
  });
  handle($("two-step-off"), async (data) => {
    await send("DELETE", "/api/me/two-step", { password: data.get("password") });
    location.reload();
    return "Two-step sign-in is off.";
  });

  handle($("delete-form"), async (data) => {
    if (data.has("confirm") && String(data.get("confirm")).trim().toLowerCase() !== "delete") {
      throw new Error("type delete to confirm");
    }
    await send("DELETE", "/api/me", { password: data.get("password") });
    location.assign("/signin?signed_out=1");
    return "Deleted.";
  });
})();
