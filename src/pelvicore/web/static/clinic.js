// The clinician's pages: sort the patient list, invite a patient (link, copy, QR code); on a patient's record,
// prescribe, write private notes, message her and start a guided assessment with her in the clinic. Requests are
// JSON; session.js adds the CSRF token.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const send = window.pelvicore.sendJSON;
  const stamp = (iso) => {
    const t = iso ? new Date(iso) : new Date();
    // As the server writes them: "6 Dec 2026, 10:07".
    return t.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" }) + ", "
      + t.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  };

  // -- the patient list: sort by a column ------------------------------------------------------------------------
  // Each row carries its sort values as data-*; an empty value (not shared, not measured) stays at the end
  // whichever way the column is sorted.
  const table = $("patients");
  if (table) {
    const body = table.tBodies[0];
    const headers = [...table.tHead.rows[0].cells];
    const status = $("sort-status");
    for (const th of headers) {
      th.querySelector("button").addEventListener("click", () => {
        const key = th.dataset.key, text = th.dataset.kind === "text";
        const order = th.getAttribute("aria-sort") === "ascending" ? "descending"
          : th.getAttribute("aria-sort") === "descending" ? "ascending" : (text ? "ascending" : "descending");
        const sign = order === "ascending" ? 1 : -1;
        const rows = [...body.rows];
        rows.sort((a, b) => {
          const x = a.dataset[key] ?? "", y = b.dataset[key] ?? "";
          if (x === "" || y === "") return (x === "") - (y === "") || a.dataset.name.localeCompare(b.dataset.name);
          const c = text ? x.localeCompare(y) : Number(x) - Number(y);
          return sign * c || a.dataset.name.localeCompare(b.dataset.name);
        });
        body.append(...rows);
        for (const other of headers) other.removeAttribute("aria-sort");
        th.setAttribute("aria-sort", order);
        status.textContent = `Sorted by ${th.textContent.trim()}, ${order}.`;
      });
    }
  }

  // -- invite a patient -------------------------------------------------------------------------------------------
  const invite = $("invite");
  if (invite) {
    invite.addEventListener("click", async () => {
      const out = $("invite-status");
      out.textContent = "Making a link…";
      try {
        const made = await send("POST", "/api/clinic/invitations");
        const url = new URL(made.url, location.origin).href;
        $("invitation-url").value = url;
        $("invitation-expires").textContent = made.expires_at
          ? "The link works once, until " + new Date(made.expires_at).toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric" }) + "."
          : "";
        $("invitation").hidden = false;
        out.textContent = "A new invitation link is ready: send it to her by email or text, or let her scan the code.";
        $("invitation-url").select();
        const qr = await fetch("/clinic/invitation-qr", {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ url: made.url }),
        });
        const box = $("invitation-qr");
        box.innerHTML = qr.ok ? await qr.text() : "";  // the server's SVG, made by segno
        const svg = box.querySelector("svg");
        if (svg) { svg.setAttribute("role", "img"); svg.setAttribute("aria-label", "QR code of the invitation link"); }
      } catch (err) { out.textContent = "No link made: " + err.message; }
    });
    $("copy").addEventListener("click", async () => {
      const field = $("invitation-url");
      try {
        await navigator.clipboard.writeText(field.value);
        $("invite-status").textContent = "Link copied.";
      } catch {
        field.select();
        $("invite-status").textContent = "Select the link and copy it (Ctrl+C or long press).";
      }
    });
  }

  // -- a patient's record -----------------------------------------------------------------------------------------
  const record = $("patient");
  if (!record || !record.dataset.patient) return;
  const base = `/api/clinic/patients/${record.dataset.patient}`;

  const prepend = (list, item) => {
    const empty = list.querySelector(".empty");
    if (empty) empty.remove();
    list.prepend(item);
  };
  const entry = (who, text, cls) => {
    const li = document.createElement("li");
    if (cls) li.className = cls;
    const w = document.createElement("span"); w.className = "who"; w.textContent = who;
    const t = document.createElement("span"); t.className = "text"; t.textContent = text;
    li.append(w, " ", t);
    return li;
  };
  const compose = (form, action) => {
    if (!form) return;
    const result = form.querySelector(".result");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const field = form.querySelector("textarea");
      const text = field.value.trim();
      if (!text) { result.textContent = "Write something first."; field.focus(); return; }
      result.textContent = "Saving…";
      try {
        await action(text);
        field.value = "";
      } catch (err) { result.textContent = "Not saved: " + err.message; }
    });
  };

  compose($("note-form"), async (text) => {
    const note = await send("POST", base + "/notes", { text });
    prepend($("notes"), entry(stamp(note.at), note.text ?? text));
    $("note-form").querySelector(".result").textContent = "Note saved (private).";
  });
  compose($("message-form"), async (text) => {
    const message = await send("POST", base + "/messages", { text });
    const li = entry("You, " + stamp(message.at), message.text ?? text, "from-me");
    const list = $("messages");
    const empty = list.querySelector(".empty");
    if (empty) empty.remove();
    list.append(li);
    $("message-form").querySelector(".result").textContent = "Sent.";
  });

  const rx = $("prescribe");
  if (rx) {
    const result = rx.querySelector(".result");
    rx.addEventListener("submit", async (event) => {
      event.preventDefault();
      const note = $("rx-note").value.trim();
      if (!note) { result.textContent = "Write the reason: she reads it with the change."; $("rx-note").focus(); return; }
      const body = {};
      for (const field of rx.querySelectorAll("select[name], input[name]")) {
        if (field.value === field.dataset.initial) continue;  // only what changes is sent
        if (!field.checkValidity()) {
          result.textContent = `${field.labels[0].textContent}: ${field.validationMessage}`;
          field.focus();
          return;
        }
        body[field.name] = field.type === "number" ? Number(field.value) : field.value;
      }
      if (!Object.keys(body).length) {
        result.textContent = "Nothing changed: change at least one value.";
        return;
      }
      body.note = note;
      result.textContent = "Saving…";
      try {
        await send("POST", base + "/plan", body);
        result.textContent = "Saved. She sees the change and your reason on her Programme page.";
        location.reload();
      } catch (err) { result.textContent = "Not saved: " + err.message; }
    });
  }

  // -- a guided assessment with her in the clinic -----------------------------------------------------------------
  // Her trainer kind is chosen on purpose (no default): a simulated session is saved in her record too. Kinds a
  // browser cannot connect stay listed, greyed out, so that the clinician sees why.
  const visit = $("clinic-session");
  if (visit) {
    const trainer = $("cs-trainer"), speed = $("cs-speed"), note = $("cs-trainer-note");
    const result = visit.querySelector(".result");
    const bluetooth = "bluetooth" in navigator;
    trainer.addEventListener("change", () => {
      speed.disabled = trainer.value !== "simulator";
      result.textContent = "";
    });
    fetch("/api/devices/profiles")
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
      .then((profiles) => {
        for (const p of profiles) {
          const why = !p.web_bluetooth ? " — not from a browser" : !bluetooth ? " — needs Chrome or Edge" : "";
          const option = new Option(p.title + why, p.name);
          option.disabled = why !== "";
          $("cs-trainers").append(option);
        }
        if (!bluetooth) {
          note.textContent = "This browser has no Web Bluetooth, so her trainer cannot connect here: open this page in "
            + "Chrome or Edge. The simulator works in any browser.";
        }
      })
      .catch(() => { note.textContent = "Her trainer kinds could not be loaded: reload the page to try again."; });
    visit.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!trainer.value) { result.textContent = "Choose her trainer, or the simulator."; trainer.focus(); return; }
      const routine = $("cs-routine").value;
      const body = trainer.value === "simulator"
        ? { routine, source: "simulator", speed: Number(speed.value) }
        : { routine, source: "browser", device_profile: trainer.value };
      const button = visit.querySelector("button[type=submit]");
      button.disabled = true;
      result.textContent = "Starting…";
      try {
        const started = await send("POST", base + "/sessions", body);
        location.href = started.url;
      } catch (err) {
        result.textContent = "Not started: " + err.message;
        button.disabled = false;
      }
    });
  }
})();
