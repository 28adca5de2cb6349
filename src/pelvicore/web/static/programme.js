// The programme page: make a plan, start today's session, review the week, reminder times, and optional
// browser notifications at those times (only while a pelvicore page is open; the .ics feed covers the rest).
(() => {
  const $ = (id) => document.getElementById(id);
  const send = window.pelvicore.sendJSON;
  const fail = (box, err) => { box.textContent = String(err.message || err); box.hidden = false; };

  // -- making a plan ------------------------------------------------------------------------------------
  const fromAssessment = $("plan-from-assessment");
  if (fromAssessment) fromAssessment.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await send("POST", "/api/programme", { from_session: fromAssessment.dataset.session, goal: $("goal-assessed").value });
      location.reload();
    } catch (err) { fail($("plan-error"), err); }
  });
  const byHand = $("plan-by-hand");
  if (byHand) byHand.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(byHand);
    const number = (name) => (form.get(name) === "" || form.get(name) === null ? null : Number(form.get(name)));
    try {
      await send("POST", "/api/programme", {
        goal: form.get("goal"), max_squeeze: number("max_squeeze"), max_unit: form.get("max_unit"),
        longest_hold_s: number("longest_hold_s"), fast_reps: number("fast_reps"),
        resting_tone_high: form.get("resting_tone_high") === "on", release_slow: form.get("release_slow") === "on",
      });
      location.reload();
    } catch (err) { fail($("plan-error"), err); }
  });

  const root = $("programme");
  if (!root) return;

  // -- today's session -------------------------------------------------------------------------------------
  const sensor = $("today-sensor"), speed = $("today-speed");
  const BROWSER = "browser:";
  if ("bluetooth" in navigator) {
    fetch("/api/devices/profiles").then((r) => (r.ok ? r.json() : [])).then((profiles) => {
      for (const p of profiles.filter((x) => x.web_bluetooth)) sensor.add(new Option(p.title + " — Bluetooth in this browser", BROWSER + p.name));
    }).catch(() => {});
  }
  sensor.addEventListener("change", () => {
    speed.disabled = sensor.value.startsWith(BROWSER);
    if (speed.disabled) speed.value = "1";
  });
  $("today-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = sensor.value.startsWith(BROWSER)
      ? { source: "browser", device_profile: sensor.value.slice(BROWSER.length) }
      : { source: "simulator", profile: sensor.value, speed: Number(speed.value) };
    try {
      const started = await send("POST", "/api/programme/sessions", body);
      location.href = started.url;
    } catch (err) { fail($("today-error"), err); }
  });

  // -- the weekly review ---------------------------------------------------------------------------------
  // The button is disabled, with the reason next to it, until the week's 7 days are over; the server refuses
  // an early review too (409), and its reason is shown the same way.
  $("review").addEventListener("click", async () => {
    const out = $("review-result");
    out.textContent = "Reviewing…";
    try {
      const { review, week } = await send("POST", "/api/programme/review");
      out.innerHTML = "";
      const head = document.createElement("p");
      head.innerHTML = "<strong></strong>";
      const now = week.finished ? "The plan is finished:" : `Now week ${week.number}:`;
      head.firstChild.textContent = `Week ${review.week} reviewed from ${review.sessions} session(s). ${now}`;
      out.append(head);
      const list = document.createElement("ul");
      for (const c of review.changes) {
        const item = document.createElement("li");
        item.textContent = `${c.what} — ${c.why} (Source: ${c.source})`;
        list.append(item);
      }
      out.append(list);
      const reload = document.createElement("button");
      reload.type = "button"; reload.className = "secondary"; reload.textContent = "Show next week's plan";
      reload.addEventListener("click", () => location.reload());
      out.append(reload);
      $("review").disabled = true;
    } catch (err) {
      out.textContent = "Not reviewed: " + err.message;
      if (err.status === 409) $("review").disabled = true;  // too early, or the plan is finished
    }
  });

  // -- reminders -------------------------------------------------------------------------------------------
  let times = root.dataset.reminders ? root.dataset.reminders.split(",") : [];
  $("reminders-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = [...document.querySelectorAll('#reminders-form input[type="time"]')].map((i) => i.value).filter(Boolean);
    try {
      const saved = await send("PUT", "/api/programme/reminders", { times: chosen });
      times = saved.times;
      $("reminders-status").textContent = "Saved: " + times.join(", ") + ". Download the calendar again to update it.";
      schedule();
    } catch (err) { $("reminders-status").textContent = "Not saved: " + err.message; }
  });

  const KEY = "pelvicore-notifications";
  const notify = $("notify"), notifyStatus = $("notify-status");
  let timers = [];
  const schedule = () => {
    for (const t of timers) clearTimeout(t);
    timers = [];
    if (localStorage.getItem(KEY) !== "on" || !("Notification" in window) || Notification.permission !== "granted") return;
    const now = new Date();
    for (const hhmm of times) {
      const [h, m] = hhmm.split(":").map(Number);
      const at = new Date(now); at.setHours(h, m, 0, 0);
      if (at <= now) at.setDate(at.getDate() + 1);
      timers.push(setTimeout(() => {
        new Notification("Time for your pelvic-floor exercises", { body: root.dataset.title, icon: "/static/icon.svg" });
        schedule();
      }, at - now));
    }
  };
  const showNotify = () => {
    const on = localStorage.getItem(KEY) === "on" && "Notification" in window && Notification.permission === "granted";
    notify.setAttribute("aria-pressed", String(on));
    notify.textContent = on ? "Turn off browser notifications" : "Turn on browser notifications";
    if (!("Notification" in window)) {
      notify.disabled = true;
      notifyStatus.textContent = "This browser cannot show notifications; use the calendar instead.";
    } else if (on) {
      notifyStatus.textContent = "Notifications on at " + times.join(", ") + ", while a pelvicore page is open.";
    }
  };
  notify.addEventListener("click", async () => {
    if (localStorage.getItem(KEY) === "on") {
      localStorage.removeItem(KEY);
      notifyStatus.textContent = "Notifications off.";
    } else {
      const permission = await Notification.requestPermission();
      if (permission === "granted") localStorage.setItem(KEY, "on");
      else notifyStatus.textContent = "The browser did not allow notifications; you can allow them in its site settings.";
    }
    showNotify();
    schedule();
  });
  showNotify();
  schedule();
})();
