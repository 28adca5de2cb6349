// Her messages with her clinicians: opening the page marks their messages read, and she replies in plain text
// (POST /api/messages); a sent message appears at the bottom of its thread.
"use strict";
(() => {
  const post = (url, body) => window.pelvicore.sendJSON("POST", url, body);

  // She has opened them: marked read, and the menu's count of new messages goes.
  const unread = [...document.querySelectorAll(".thread")].filter((t) => Number(t.dataset.unread) > 0);
  Promise.all(unread.map((t) => post("/api/messages/read", { clinician_id: Number(t.dataset.clinician) })))
    .then(() => {
      if (!unread.length) return;
      document.querySelectorAll("nav .note-new").forEach((e) => e.remove());
      const link = document.querySelector('nav a[href="/messages"]');
      if (link) link.textContent = "Messages";
    })
    .catch(() => {});  // still unread: counted again on the next page

  const stamp = (iso) => new Date(iso).toLocaleString("en-GB", {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
  });

  for (const form of document.querySelectorAll(".reply-form")) {
    const result = form.querySelector(".result");
    const box = form.querySelector("textarea");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = box.value.trim();
      result.textContent = "";
      if (!text) {
        result.textContent = "Please write your message first.";
        box.focus();
        return;
      }
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        const message = await post("/api/messages", { clinician_id: Number(form.dataset.clinician), text });
        const list = form.closest(".thread").querySelector(".messages");
        list.querySelector(".empty")?.remove();
        const item = document.createElement("li");
        item.className = "message from-me";
        const meta = document.createElement("p");
        meta.className = "message-meta";
        const who = document.createElement("strong");
        who.textContent = "You";
        const time = document.createElement("time");
        time.dateTime = message.at;
        time.textContent = stamp(message.at);
        meta.append(who, ", ", time);
        const body = document.createElement("p");
        body.className = "message-text";
        body.textContent = message.text;
        item.append(meta, body);
        list.append(item);
        box.value = "";
        result.textContent = "Sent.";
      } catch (err) {
        result.textContent = "Not sent: " + err.message + ".";
      } finally {
        button.disabled = false;
      }
    });
  }
})();
