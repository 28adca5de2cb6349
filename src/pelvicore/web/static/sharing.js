// Her sharing with clinicians: share by email (the Sharing page) or by a clinician's invitation (the accept page),
// and revoke a share, each a small JSON request to /api/shares. The list updates in place.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);

  const send = window.pelvicore.sendJSON;  // the API's answer, or its error in words (session.js)

  // What, how long and in-clinic from the form; null (with the reason said) when nothing is chosen.
  function choices(form, result) {
    const data = new FormData(form);
    const scope = data.getAll("scope");
    if (!scope.length) {
      result.textContent = "Please choose what to share: training, back care or both.";
      form.querySelector('input[name="scope"]').focus();
      return null;
    }
    return { scope, days: Number(data.get("days")), in_clinic: data.get("in_clinic") === "1" };
  }

  const SCOPE_TEXT = { training: "training", care: "back care" };
  const day = (iso) => new Date(iso).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });

  // One share in the list, as the page's template (sharing_choices.html, share_item) renders it.
  function shareItem(s) {
    const item = document.createElement("li");
    item.className = "share";
    item.dataset.id = s.id;
    item.dataset.status = s.status;
    const head = document.createElement("p");
    head.className = "share-head";
    const who = document.createElement("strong");
    who.className = "share-who";
    who.textContent = s.clinician;
    const state = document.createElement("span");
    state.className = "share-status status-" + s.status;
    state.textContent = s.status.charAt(0).toUpperCase() + s.status.slice(1);
    head.append(who, " ", state);
    const detail = document.createElement("p");
    detail.className = "share-detail";
    const what = Object.keys(SCOPE_TEXT).filter((x) => s.scope.includes(x)).map((x) => SCOPE_TEXT[x]).join(" and ");
    detail.textContent = "Sees your " + what + (s.in_clinic ? ", and may record sessions with you in the clinic" : "") + ". ";
    const when = document.createElement("span");
    when.className = "share-when";
    const end = s.revoked_at && s.revoked_at < s.expires_at ? s.revoked_at : s.expires_at;
    when.textContent = s.status === "active" ? "Since " + day(s.created_at) + ", until " + day(s.expires_at) + "."
      : s.status === "revoked" ? "You stopped it on " + day(end) + "." : "Ended on " + day(end) + ".";
    detail.append(when);
    item.append(head, detail);
    if (s.status === "active") {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary revoke";
      button.textContent = "Revoke";
      button.setAttribute("aria-label", "Revoke: stop sharing with " + s.clinician);
      item.append(button);
    }
    return item;
  }

  async function reloadList() {
    const list = $("shares");
    if (!list) return;
    const shares = await send("GET", "/api/shares");
    list.replaceChildren(...shares.map(shareItem));
    $("no-shares").hidden = shares.length > 0;
  }

  // The Sharing page: share by email.
  const shareForm = $("share-form");
  if (shareForm) {
    const result = $("share-result");
    shareForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      result.textContent = "";
      const email = $("clinician-email");
      if (!email.value.trim()) {
        result.textContent = "Please type your clinician's email.";
        email.focus();
        return;
      }
      const chosen = choices(shareForm, result);
      if (!chosen) return;
      const button = shareForm.querySelector('button[type="submit"]');
      button.disabled = true;
      try {
        const share = await send("POST", "/api/shares", { clinician_email: email.value.trim(), ...chosen });
        result.textContent = "Shared with " + share.clinician + " until " + day(share.expires_at) + ".";
        email.value = "";
        await reloadList();
      } catch (err) {
        result.textContent = "Not shared: " + err.message + ".";
      } finally {
        button.disabled = false;
      }
    });
  }

  // Revoke, after she confirms; the row changes at once and focus stays in the list.
  const list = $("shares");
  if (list) {
    list.addEventListener("click", async (event) => {
      const button = event.target.closest("button.revoke");
      if (!button) return;
      const item = button.closest("li.share");
      const who = item.querySelector(".share-who").textContent;
      if (!window.confirm("Stop sharing your data with " + who + "? They will no longer see it. You can share again later.")) return;
      button.disabled = true;
      try {
        await send("DELETE", "/api/shares/" + encodeURIComponent(item.dataset.id));
        item.dataset.status = "revoked";
        const state = item.querySelector(".share-status");
        state.className = "share-status status-revoked";
        state.textContent = "Revoked";
        item.querySelector(".share-when").textContent = "You stopped it on " + day(new Date().toISOString()) + ".";
        button.remove();
        $("revoke-result").textContent = "You no longer share your data with " + who + ".";
        item.tabIndex = -1;
        item.focus();
      } catch (err) {
        button.disabled = false;
        $("revoke-result").textContent = "Not revoked: " + err.message + ".";
      }
    });
  }

  // The accept page: share with the clinician who sent the invitation, or decline.
  const acceptForm = $("accept-form");
  if (acceptForm) {
    const result = $("share-result");
    acceptForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      result.textContent = "";
      const chosen = choices(acceptForm, result);
      if (!chosen) return;
      try {
        const share = await send("POST", "/api/shares", { invitation: acceptForm.dataset.token, ...chosen });
        acceptForm.querySelectorAll("input, button").forEach((e) => { e.disabled = true; });
        result.replaceChildren("Shared with " + share.clinician + " until " + day(share.expires_at) + ". ");
        const link = document.createElement("a");
        link.href = "/sharing";
        link.textContent = "See who you share with";
        result.append(link);
      } catch (err) {
        result.textContent = "Not shared: " + err.message + ".";
      }
    });
    $("decline").addEventListener("click", () => {
      acceptForm.querySelectorAll("input, button").forEach((e) => { e.disabled = true; });
      result.replaceChildren("You declined: nothing was shared with " + acceptForm.dataset.clinician + ". ");
      const link = document.createElement("a");
      link.href = "/";
      link.textContent = "Back to the start";
      result.append(link);
    });
  }
})();
