// The live session page: a scrolling pressure chart fed by the session WebSocket, cues with a countdown,
// each contraction counted and marked, a push warning, pause and stop. In a browser session the trainer is
// paired here (webble.js) and its raw payloads go to the server over the same WebSocket. A clinician she shares
// her training with may watch (data-watching): the same chart and cues, with no controls and nothing sent.
(() => {
  const root = document.getElementById("live");
  const id = root.dataset.session;
  const watching = root.dataset.watching === "true";
  const unit = root.dataset.unit;
  const WINDOW_S = 15;
  const t = [], floor = [], abdomen = [];
  const marks = [];
  let maxSeen = 10, cueEndsAt = null, latest = 0;
  // The trainer's stored strongest squeeze above rest (the runner's "calibration" message), in this session's
  // unit: sizes then show as % of it. Null for a simulator or a trainer's first session.
  let strongest = null;
  const whose = watching ? "her" : "your";

  const $ = (name) => document.getElementById(name);
  const width = () => Math.max(280, $("chart").clientWidth);
  const targetBand = {
    hooks: {
      drawClear: [(u) => {
        // The target band: 60-100 % of the strongest squeeze so far, above the resting level.
        if (!floor.length) return;
        const rest = Math.min(...floor.slice(-Math.min(floor.length, 500)));
        const lo = u.valToPos(rest + 0.6 * maxSeen, "y", true), hi = u.valToPos(rest + maxSeen, "y", true);
        const ctx = u.ctx;
        ctx.save();
        ctx.fillStyle = "rgba(31, 111, 67, 0.12)";
        ctx.fillRect(u.bbox.left, hi, u.bbox.width, lo - hi);
        ctx.restore();
      }],
      draw: [(u) => {
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = "#6b2d8f";
        ctx.lineWidth = 2;
        for (const m of marks) {
          if (m < u.scales.x.min) continue;
          const x = u.valToPos(m, "x", true);
          ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
        }
        ctx.restore();
      }],
    },
  };
  const plot = new uPlot({
    width: width(), height: 260, plugins: [targetBand],
    scales: { x: { time: false } },
    legend: { show: false }, // the caption says in words which line is which
    axes: [{ label: "time (s)" }, { label: unit }],
    series: [{}, { label: "floor", stroke: "#1f6f43", width: 2 }, { label: "abdomen", stroke: "#c05621", width: 1.5 }],
  }, [t, floor, abdomen], $("chart"));
  window.addEventListener("resize", () => plot.setSize({ width: width(), height: 260 }));

  let dirty = false;
  const redraw = () => {
    if (dirty) {
      plot.setData([t, floor, abdomen.length ? abdomen : floor.map(() => null)], false);
      // The first seconds fill the window from the left: no empty stretch before the session began.
      plot.setScale("x", { min: Math.max(0, latest - WINDOW_S), max: Math.max(WINDOW_S, latest) });
      root.dataset.latest = String(latest);
      dirty = false;
    }
    if (cueEndsAt !== null) $("countdown").textContent = Math.max(0, cueEndsAt - latest).toFixed(0);
    requestAnimationFrame(redraw);
  };
  requestAnimationFrame(redraw);

  // Leaving while the session runs: the browser asks first (the session would run on unseen). Its end, or the
  // person's own Stop, lets the page go freely.
  let running = true;
  window.addEventListener("beforeunload", (event) => {
    if (!running || watching) return;
    event.preventDefault();
    event.returnValue = "";  // the browser shows its own "Leave site?" question
  });
  // The socket is opened again when the link to the server breaks while the session runs (a server restarting,
  // the live link between a clinic's servers lost). If the session still runs, the server replays it so far and
  // the page starts its chart and counts afresh; if it has ended, the server sends its contractions and its end,
  // and the chart keeps what it showed.
  let socket = null, attempts = 0, ended = false;
  const MAX_ATTEMPTS = 20;
  // Messages from the sensor wait for the socket to open; later, with the socket closed, they are dropped.
  const unsent = [];
  const send = (message) => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    else if ((!socket || socket.readyState === WebSocket.CONNECTING) && unsent.length < 500) unsent.push(message);
  };
  const freshView = () => {
    t.length = floor.length = abdomen.length = marks.length = 0;
    latest = 0;
    $("count").textContent = "0";
    dirty = true;
  };
  const connect = () => {
    socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/sessions/" + id);
    socket.addEventListener("open", () => {
      if (attempts > 0) { replaying = true; replayed.length = 0; $("status").textContent = ""; }
      attempts = 0;
      for (const m of unsent.splice(0)) socket.send(JSON.stringify(m));
    });
    socket.onmessage = onMessage;
    socket.onclose = onClose;
  };
  const sensor = root.dataset.source === "browser" && !watching ? browserSensor(root.dataset.deviceProfile, send) : null;
  const LINK_STATES = new Set(["connecting", "connected", "disconnected", "reconnected", "unreachable", "battery", "rssi"]);

  let heard = false;
  let replaying = false;  // reconnected: contractions wait until the server shows whether the session still runs
  const replayed = [];
  function onMessage(event) {
    heard = true;
    const m = JSON.parse(event.data);
    if (replaying) {
      if (m.type === "contraction") { replayed.push(m); return; }
      replaying = false;
      if (m.type === "end") marks.length = 0; else freshView();  // ended: the stored list; else a live replay
      $("count").textContent = "0";
      for (const c of replayed.splice(0)) show(c);
    }
    show(m);
  }
  function show(m) {
    if (m.type === "reconnect") {
      socket.close();  // onClose opens it again
    } else if (m.type === "frame") {
      // Sample i of a frame is at t0_s + i / fs_hz.
      const values = m.floor ?? m[Object.keys(m.units)[0]];
      for (let i = 0; i < values.length; i++) {
        t.push(m.t0_s + i / m.fs_hz);
        floor.push(values[i]);
        if (m.abdomen) abdomen.push(m.abdomen[i]);
      }
      latest = t[t.length - 1];
      while (t.length && t[0] < latest - WINDOW_S - 1) { t.shift(); floor.shift(); if (abdomen.length) abdomen.shift(); }
      dirty = true;
    } else if (m.type === "cue") {
      $("cue").textContent = m.text;
      cueEndsAt = m.ends_at_s ?? null;
      if (m.action === "rest") $("warning").hidden = true;
    } else if (m.type === "contraction") {
      marks.push(m.onset_s);
      maxSeen = Math.max(maxSeen, m.peak);
      $("count").textContent = String(marks.length);
      // The peak is measured from her rest level, not from zero: say so, or it reads as the line's height.
      const above = m.peak.toFixed(1) + " " + unit + " above rest";
      if (strongest) {
        const pct = m.pct_of_max ?? 100 * m.peak / strongest.mvc;
        const sizes = window.pelvicoreSizes;
        $("last-peak").replaceChildren(sizes.button(sizes.percentText(pct, whose), above, unit, whose));
      } else {
        $("last-peak").textContent = above;
      }
      // "unknown": a single-zone trainer cannot tell lifting from pushing; never shown as a score.
      $("last-technique").textContent = m.technique === "unknown" ? "lift or push: not measured on this trainer" : m.technique;
    } else if (m.type === "calibration") {
      // Only a strongest in this session's unit is a yardstick for its squeezes.
      if (m.unit !== unit || !(m.mvc > 0)) return;
      strongest = m;
      maxSeen = Math.max(maxSeen, m.mvc);  // the target band: 60-100 % of her strongest
      const note = $("calibration-status");
      if (note && note.hidden) { note.textContent = m.text; note.hidden = false; }  // once, not again on a replay
      const guide = $("first-measure");
      if (guide) guide.hidden = true;  // another trainer of hers measured her already
    } else if (m.type === "warning") {
      $("warning").textContent = m.text;
      $("warning").hidden = false;
    } else if (m.type === "sensor") {
      // In a browser session the page describes its own Bluetooth link; the server's echo of it is skipped.
      if (m.text && $("sensor-status") && !(sensor && LINK_STATES.has(m.state))) $("sensor-status").textContent = m.text;
    } else if (m.type === "error") {
      console.warn("pelvicore server:", m.text);
    } else if (m.type === "end") {
      running = false;
      ended = true;
      if (sensor) sensor.release();
      // The server judges how it went (training/feedback.py): what happened, then what went well or to work on.
      const feedback = m.feedback;
      $("cue").textContent = feedback ? feedback.outcome : "Session " + m.status + ".";
      $("warning").hidden = true; // the feedback below takes over from the last squeeze's warning
      if (feedback) {
        $("feedback").textContent = feedback.message;
        $("feedback").dataset.tone = feedback.tone;
        $("feedback").className = feedback.tone === "warning" ? "warning" : "card";
        $("feedback").hidden = false;
      }
      cueEndsAt = null; // the countdown ends with the session
      $("countdown").textContent = "";
      $("status").innerHTML = '<a href="/sessions/' + id + '">See the summary</a>';
      if (root.dataset.nextHref) {
        const next = document.createElement("a");
        next.href = root.dataset.nextHref;
        next.textContent = root.dataset.nextLabel;
        $("status").append(" · ", next);
      }
      if (!watching) $("pause").disabled = $("stop").disabled = true;
      const liveView = $("live-view");
      if (liveView) liveView.disabled = true;
    }
  }
  function onClose() {
    if (running && !ended && heard && attempts < MAX_ATTEMPTS) {
      attempts += 1;
      $("status").textContent = "The link to the server was lost — reconnecting…";
      setTimeout(connect, Math.min(5000, 500 * attempts));
      return;
    }
    if (!$("status").innerHTML || attempts) {
      if (watching && !heard) {
        $("status").textContent = "This session cannot be watched live: she has not turned on live watching for it, "
          + "or it has ended. ";
        const summary = document.createElement("a");
        summary.href = "/sessions/" + id;
        summary.textContent = "See the session's summary";
        $("status").append(summary);
      } else {
        $("status").textContent = "Connection closed.";
      }
    }
    if (sensor) sensor.release();
  }
  connect();

  // The "Connect sensor" button and status line of a browser session.
  function browserSensor(profileName, sendMessage) {
    const button = $("connect-sensor"), status = $("sensor-status");
    let transport = null;
    const show = (state, text) => {
      status.textContent = text;
      status.dataset.state = state;
      button.textContent = state === "connected" ? "Disconnect sensor" : "Connect sensor";
    };
    const web = window.pelvicoreWebBle;
    if (!web || !web.supported()) {
      show("failed", "This browser has no Web Bluetooth — use Chrome, Edge or Android Chrome to connect your trainer.");
      button.disabled = true;
    } else {
      button.disabled = true; // until the profile has arrived
      fetch("/api/devices/profiles")
        .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
        .then((profiles) => {
          const profile = profiles.find((p) => p.name === profileName);
          if (!profile || !profile.web_bluetooth) {
            show("failed", "This trainer cannot be connected from a browser; use the pelvicore app on a computer.");
            return;
          }
          transport = new web.BrowserSensor(profile, { send: sendMessage, report: show });
          button.disabled = false;
        })
        .catch(() => show("failed", "Could not load the trainer's details from the server. Reload the page to try again."));
    }
    button.addEventListener("click", () => {
      if (!transport) return;
      if (transport.state === "connected") transport.disconnect("Sensor disconnected. Press Connect sensor to connect it again.");
      else transport.pair();
    });
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        if (transport && transport.device) transport.disconnect("Session over — the sensor is disconnected.");
        else show("idle", "Session over.");
        button.disabled = true;
      },
    };
  }

  // Her choice to let the clinicians she shares her training with watch this session as it happens.
  const liveView = $("live-view");
  if (liveView) {
    liveView.addEventListener("change", async () => {
      const allowed = liveView.checked;
      const status = $("live-view-status");
      try {
        const response = await fetch("/api/sessions/" + id + "/live-view", {
          method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ allowed }),
        });
        if (!response.ok) throw new Error(String(response.status));
        status.textContent = allowed ? "Your clinician can watch now." : "Your clinician can no longer watch.";
      } catch (err) {
        liveView.checked = !allowed;
        status.textContent = "Not changed: the server did not answer (" + err.message + "). Please try again.";
      }
    });
  }

  if (watching) return;  // no controls for a clinician watching
  $("pause").addEventListener("click", async () => {
    const paused = $("pause").getAttribute("aria-pressed") === "true";
    await fetch("/api/sessions/" + id + "/" + (paused ? "resume" : "pause"), { method: "POST" });
    $("pause").setAttribute("aria-pressed", String(!paused));
    $("pause").textContent = paused ? "Pause" : "Resume";
  });
  $("stop").addEventListener("click", () => fetch("/api/sessions/" + id + "/stop", { method: "POST" }));
})();
