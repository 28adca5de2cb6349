// For researchers: her switch to publish this session on the Lab Streaming Layer (PUT /api/sessions/{id}/lsl).
(() => {
  "use strict";
  const box = document.getElementById("lsl");
  const live = document.getElementById("live");
  if (!box || !live) return;
  const status = document.getElementById("lsl-status");
  const id = live.dataset.session;
  box.addEventListener("change", async () => {
    const publish = box.checked;
    let ended = false;
    box.disabled = true;
    try {
      const state = await window.pelvicore.sendJSON("PUT", "/api/sessions/" + id + "/lsl", { publish });
      const [signal, markers] = state.source_ids;
      status.textContent = publish
        ? `Publishing until the session ends: ${signal} (signal) and ${markers} (markers).`
        : "No longer published.";
    } catch (err) {
      box.checked = !publish;
      ended = err.status === 409;
      status.textContent = ended ? "The session has ended: there is nothing left to publish."
        : "Not changed: " + err.message + ".";
    } finally {
      box.disabled = ended;  // once the session has ended the switch can do nothing more
    }
  });
})();
