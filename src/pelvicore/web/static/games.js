// Games. On /games: choose a game, level and sensor, and start a session for it. On a game page: the pressure
// as a ball, the game's targets scrolling in from the right, and a spoken status ("Target reached"). The rules
// here mirror pelvicore.training.games, which computes the score from the recording when the game ends:
// % of maximum = smoothed floor pressure above the rest level (the opening rest) over the highest rise so far,
// or over the trainer's stored maximum when that is higher.
(() => {
  "use strict";
  const $ = (name) => document.getElementById(name);

  // ---------------------------------------------------------------------------------------------------
  // The chooser.
  const form = $("game-form");
  if (form) {
    const sensor = $("sensor"), speed = $("speed"), note = $("sensor-note");
    window.pelvicoreSensors.offerBrowserTrainers(sensor, note, speed);

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const error = $("start-error");
      const choice = String(data.get("sensor"));
      const body = { ...window.pelvicoreSensors.source(choice, data.get("speed")), level: data.get("level") };
      $("start-game").disabled = true;
      try {
        const response = await fetch("/api/games/" + encodeURIComponent(String(data.get("game"))) + "/sessions", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
        if (!response.ok) throw new Error(String(response.status));
        window.location.href = (await response.json()).url;
      } catch (exc) {
        error.textContent = "Could not start the game (" + exc.message + "). Please try again.";
        error.hidden = false;
        $("start-game").disabled = false;
      }
    });
    return;
  }

  // ---------------------------------------------------------------------------------------------------
  // The game page.
  const root = $("game");
  if (!root) return;
  const path = JSON.parse($("path-data").textContent);
  const segments = path.segments;
  const id = root.dataset.session;
  const settle = segments.find((s) => s.kind === "settle");
  const scored = segments.filter((s) => s.kind === "target" || s.kind === "rest");
  $("total").textContent = String(scored.length);
  if (segments.some((s) => s.kind === "hold")) $("hold-stat").hidden = false;
  if (segments.some((s) => s.kind === "speed")) $("flick-stat").hidden = false;

  const status = $("game-status");
  const say = (text) => { status.textContent = text; };
  const PAST_S = 3, AHEAD_S = 9; // seconds of the game on screen behind and ahead of now
  const Y_MIN = -10, Y_MAX = 120; // % of maximum shown
  const COLORS = { target: "#6b2d8f", rest: "#1d5fa8", hold: "#a34700", speed: "#1b1b1f", reached: "#1f6f43", missed: "#767676" };

  // Signal state.
  const t = [], pct = [];
  const recent = []; // last raw samples, for the trailing median
  const restSamples = [];
  let rest = null, calRest = null, calMvc = 0, maxRise = 0, lastT = -Infinity, smoothN = null;
  // Game state per segment index.
  const state = segments.map(() => ({ runStart: null, reached: false, best: 0, flicks: 0, armed: false, up: false, told: false }));
  let current = -1, reachedCount = 0, ended = false, stopping = false;

  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };

  function feedSample(ts, raw, dt) {
    if (!(ts > lastT) || !Number.isFinite(raw)) return;
    lastT = ts;
    if (smoothN === null) smoothN = Math.max(1, Math.round(path.smooth_s / dt));
    recent.push(raw);
    if (recent.length > smoothN) recent.shift();
    const smooth = median(recent);
    if (ts >= settle.start_s + 1 && ts < settle.end_s) restSamples.push(raw);
    if (restSamples.length && (ts < settle.end_s || rest === null)) rest = median(restSamples);
    const base = rest !== null ? rest : calRest !== null ? calRest : raw;
    const rise = smooth - base;
    maxRise = Math.max(maxRise, rise);
    const p = (100 * rise) / Math.max(maxRise, calMvc, 1e-9);
    t.push(ts);
    pct.push(p);
    play(ts, p, dt);
  }

  function play(ts, p, dt) {
    const index = segments.findIndex((s) => ts >= s.start_s && ts < s.end_s);
    if (index !== current && index >= 0) {
      finishBefore(index);
      current = index;
      const seg = segments[index];
      $("instruction").textContent = seg.text;
      say(seg.text);
      if (seg.kind === "speed") $("flicks").textContent = "0"; // each round counts afresh
      if (seg.kind === "hold") $("hold-s").textContent = "0.0";
    }
    for (let i = Math.max(0, current - 1); i <= current; i += 1) {
      if (i >= 0) step(i, ts, p, dt);
    }
  }

  // Segments whose time is up: holds and quick-flick rounds report how they went.
  function finishBefore(index) {
    for (let i = 0; i < index; i += 1) {
      const seg = segments[i], st = state[i];
      if (st.told) continue;
      st.told = true;
      const next = index < segments.length ? " " + segments[index].text : "";
      if (seg.kind === "speed") say(st.flicks + " quick squeeze" + (st.flicks === 1 ? "" : "s") + " in 10 s." + next);
    }
  }

  function step(i, ts, p, dt) {
    const seg = segments[i], st = state[i];
    if (seg.kind === "target" || seg.kind === "rest") {
      if (ts >= seg.end_s || st.reached) return;
      const inBand = (seg.low_pct === null || p >= seg.low_pct) && (seg.high_pct === null || p <= seg.high_pct);
      if (!inBand) { st.runStart = null; return; }
      if (st.runStart === null) st.runStart = ts;
      if (ts - st.runStart + dt >= seg.dwell_s - dt / 2) {
        st.reached = true;
        reachedCount += 1;
        $("reached").textContent = String(reachedCount);
        say(seg.kind === "rest" ? "Target reached: back to rest." : "Target reached: " + Math.round(seg.height_pct) + " %.");
      }
    } else if (seg.kind === "hold") {
      if (ts >= seg.end_s + path.hold_grace_s) return;
      if (p >= path.hold_pct) {
        if (st.runStart === null) st.runStart = ts;
        st.best = Math.min(seg.end_s - seg.start_s, Math.max(st.best, ts - st.runStart + dt));
      } else {
        st.runStart = null;
      }
      $("hold-s").textContent = st.best.toFixed(1);
      if (!st.reached && st.best >= seg.end_s - seg.start_s - dt / 2) {
        st.reached = true;
        say("Hold complete: " + (seg.end_s - seg.start_s) + " s above " + path.hold_pct + " %.");
      }
    } else if (seg.kind === "speed") {
      if (ts >= seg.end_s + 2) return;
      // A quick squeeze: from rest (<= 25 %) above the 50 % line, within the round, and back to rest.
      if (p <= path.flick_low_pct) {
        if (st.up) { st.flicks += 1; $("flicks").textContent = String(st.flicks); }
        st.armed = true;
        st.up = false;
      } else if (p > path.flick_pct && st.armed && ts < seg.end_s) {
        st.armed = false;
        st.up = true;
      } else if (p > path.flick_pct) {
        st.armed = false;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Drawing.
  const canvas = $("game-canvas");
  const ctx = canvas.getContext ? canvas.getContext("2d") : null;

  function draw() {
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(260, canvas.clientWidth);
    const height = Math.round(width < 500 ? width * 0.62 : (width * 320) / 900);
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      canvas.style.aspectRatio = width + " / " + height;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const font = width < 500 ? 12 : 14;
    ctx.font = font + "px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    const left = Math.ceil(ctx.measureText("100 %").width) + 12, right = width - 8, top = 10, bottom = height - 10;
    const now = t.length ? t[t.length - 1] : 0;
    const nowX = left + (right - left) * (PAST_S / (PAST_S + AHEAD_S));
    const x = (ts) => nowX + ((ts - now) / (PAST_S + AHEAD_S)) * (right - left);
    const y = (p) => top + ((Y_MAX - Math.max(Y_MIN, Math.min(Y_MAX, p))) / (Y_MAX - Y_MIN)) * (bottom - top);

    // Grid: 0 % (rest), 50 %, 75 % (hold line) and 100 % (maximum).
    for (const g of [0, 25, 50, 75, 100]) {
      ctx.strokeStyle = g === 0 ? "#5a5a5a" : "#d4cddc";
      ctx.lineWidth = g === 0 ? 1.5 : 1;
      ctx.beginPath(); ctx.moveTo(left, y(g)); ctx.lineTo(right, y(g)); ctx.stroke();
      ctx.fillStyle = "#3d3d3d";
      ctx.textAlign = "right";
      ctx.fillText(g + " %", left - 5, y(g));
    }

    ctx.save();
    ctx.beginPath(); ctx.rect(left, 0, right - left, height); ctx.clip();
    segments.forEach((seg, i) => {
      if (seg.end_s < now - PAST_S || seg.start_s > now + AHEAD_S) return;
      const x0 = x(seg.start_s) + 2, x1 = x(seg.end_s) - 2, st = state[i];
      const labelX = Math.min(Math.max(x0, left) + 6, x1 - 40); // labels stay on screen while their segment is
      const passed = seg.end_s <= now;
      let hi = seg.high_pct, lo = seg.low_pct, color = COLORS[seg.kind] || "#444";
      if (seg.kind === "rest") lo = Y_MIN;
      if (seg.kind === "hold" || seg.kind === "maximum") hi = Y_MAX;
      if (seg.kind === "maximum") lo = 90;
      if (seg.kind === "target" || seg.kind === "rest" || seg.kind === "hold" || seg.kind === "maximum") {
        if (st.reached) color = COLORS.reached;
        else if (passed && seg.kind !== "maximum") color = COLORS.missed;
        ctx.globalAlpha = 0.28;
        ctx.fillStyle = color;
        roundRect(x0, y(hi), x1 - x0, y(lo) - y(hi), 8);
        ctx.fill();
        ctx.globalAlpha = 1;
        ctx.strokeStyle = color;
        ctx.lineWidth = 2;
        roundRect(x0, y(hi), x1 - x0, y(lo) - y(hi), 8);
        ctx.stroke();
        ctx.fillStyle = "#1b1b1f";
        ctx.textAlign = "left";
        const label = seg.kind === "target" ? Math.round(seg.height_pct) + " %" : seg.kind === "rest" ? "rest"
          : seg.kind === "hold" ? "hold " + (seg.end_s - seg.start_s) + " s" : "max";
        ctx.fillText((st.reached ? "✓ " : "") + label, labelX, seg.kind === "rest" ? y(seg.high_pct) - font : y(hi) + font);
      } else if (seg.kind === "speed") {
        ctx.globalAlpha = 0.12;
        ctx.fillStyle = COLORS.hold;
        ctx.fillRect(x0, y(Y_MAX), x1 - x0, y(path.flick_pct) - y(Y_MAX));
        ctx.globalAlpha = 1;
        ctx.setLineDash([6, 5]);
        ctx.strokeStyle = COLORS.hold;
        ctx.lineWidth = 2;
        ctx.beginPath(); ctx.moveTo(x0, y(path.flick_pct)); ctx.lineTo(x1, y(path.flick_pct)); ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = "#1b1b1f";
        ctx.textAlign = "left";
        ctx.fillText("quick flicks: " + st.flicks, labelX, y(path.flick_pct) - font);
      }
    });

    // The last seconds of pressure, then the ball.
    ctx.strokeStyle = "#6b2d8f";
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    let started = false;
    for (let i = t.length - 1; i >= 0 && t[i] >= now - PAST_S; i -= 1) {
      if (!started) { ctx.moveTo(x(t[i]), y(pct[i])); started = true; } else ctx.lineTo(x(t[i]), y(pct[i]));
    }
    ctx.stroke();
    ctx.restore();
    if (t.length) {
      const seg = segments[current];
      const inTarget = seg && state[current].runStart !== null && (seg.kind === "target" || seg.kind === "rest");
      ctx.beginPath();
      ctx.arc(nowX, y(pct[pct.length - 1]), width < 500 ? 10 : 13, 0, 2 * Math.PI);
      ctx.fillStyle = inTarget ? COLORS.reached : "#6b2d8f";
      ctx.fill();
      ctx.lineWidth = 3;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
    }
  }

  function roundRect(x0, y0, w, h, r) {
    const rr = Math.max(0, Math.min(r, w / 2, h / 2));
    ctx.beginPath();
    ctx.moveTo(x0 + rr, y0);
    ctx.arcTo(x0 + w, y0, x0 + w, y0 + h, rr);
    ctx.arcTo(x0 + w, y0 + h, x0, y0 + h, rr);
    ctx.arcTo(x0, y0 + h, x0, y0, rr);
    ctx.arcTo(x0, y0, x0 + w, y0, rr);
    ctx.closePath();
  }

  const frameLoop = () => {
    draw();
    if (t.length) {
      const now = t[t.length - 1];
      root.dataset.latest = String(now);
      $("now-pct").textContent = String(Math.round(Math.max(0, Math.min(199, pct[pct.length - 1]))));
      const seg = segments[current];
      $("countdown").textContent = seg && !ended ? Math.max(0, Math.ceil(seg.end_s - now)) + " s left" : "";
    }
    requestAnimationFrame(frameLoop);
  };
  requestAnimationFrame(frameLoop);

  // ---------------------------------------------------------------------------------------------------
  // The session: the recorded start (when the page opens late), then live frames.
  function feedFrame(m) {
    // Sample i of a frame is at t0_s + i / fs_hz.
    const dt = 1 / m.fs_hz;
    for (let i = 0; i < m.floor.length; i += 1) feedSample(m.t0_s + i * dt, m.floor[i], dt);
  }

  const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/sessions/" + id);
  const waiting = [];
  let caughtUp = false;
  const unsent = [];
  const send = (message) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    else if (socket.readyState === WebSocket.CONNECTING && unsent.length < 500) unsent.push(message);
  };
  socket.addEventListener("open", () => {
    for (const m of unsent.splice(0)) socket.send(JSON.stringify(m));
    fetch("/api/sessions/" + id + "/trace?max_points=1000000")
      .then((response) => (response.ok ? response.json() : null))
      .then((trace) => { if (trace && trace.channels.floor) feedFrame(trace.t_s, trace.channels.floor); })
      .catch(() => {})
      .finally(() => {
        caughtUp = true;
        for (const m of waiting.splice(0)) feedFrame(m);
      });
  });
  const sensor = root.dataset.source === "browser" ? browserSensor(root.dataset.deviceProfile, send) : null;
  if (!sensor) say("Starting…");

  socket.onmessage = (event) => {
    const m = JSON.parse(event.data);
    if (m.type === "frame" && m.floor) {
      if (caughtUp) feedFrame(m);
      else waiting.push(m);
    } else if (m.type === "calibration") {
      calMvc = Number(m.mvc) || 0;
      calRest = Number.isFinite(Number(m.rest)) ? Number(m.rest) : null;
    } else if (m.type === "warning" && m.kind === "push") {
      say(m.text);
    } else if (m.type === "sensor" && sensor === null && m.text) {
      say(m.text);
    } else if (m.type === "end") {
      finish(m.status);
    }
  };
  socket.onclose = () => { if (!ended) say("Connection to the game closed. Your score is kept."); finish(null); };

  function finish(how) {
    if (ended) return;
    ended = true;
    finishBefore(segments.length);
    if (sensor) sensor.release();
    $("stop").hidden = true;
    const complete = how === "completed" && !stopping;
    $("instruction").textContent = complete ? "Well done — game complete." : "Game over.";
    $("countdown").textContent = "";
    say((complete ? "Game complete: " : "Game over: ") + reachedCount + " of " + scored.length + " targets reached. Your score is ready.");
    $("done").hidden = false;
    $("score-link").focus();
  }

  $("stop").addEventListener("click", async () => {
    $("stop").disabled = true;
    stopping = true;
    say("Stopping…");
    const response = await fetch("/api/sessions/" + id + "/stop", { method: "POST" });
    if (!response.ok && !ended) finish(null); // already over
  });

  // The "Connect sensor" button of a game played with a trainer paired in this browser (webble.js).
  function browserSensor(profileName, sendMessage) {
    const button = $("connect-sensor"), line = $("sensor-status");
    let transport = null;
    const show = (state, text) => {
      line.textContent = text;
      say(text);
      button.textContent = state === "connected" ? "Disconnect sensor" : "Connect sensor";
    };
    const web = window.pelvicoreWebBle;
    button.disabled = true;
    if (!web || !web.supported()) {
      show("failed", "This browser has no Web Bluetooth — use Chrome, Edge or Android Chrome to connect your trainer.");
    } else {
      fetch("/api/devices/profiles")
        .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
        .then((profiles) => {
          const profile = profiles.find((p) => p.name === profileName);
          if (!profile || !profile.web_bluetooth) {
            show("failed", "This trainer cannot be connected from a browser.");
            return;
          }
          transport = new web.BrowserSensor(profile, { send: sendMessage, report: show });
          button.disabled = false;
        })
        .catch(() => show("failed", "Could not load the trainer's details. Reload the page to try again."));
    }
    button.addEventListener("click", () => {
      if (!transport) return;
      if (transport.state === "connected") transport.disconnect("Sensor disconnected. Press Connect sensor to connect it again.");
      else transport.pair();
    });
    return {
      release: () => {
        if (transport && transport.device) transport.disconnect("Game over — the sensor is disconnected.");
        button.disabled = true;
      },
    };
  }
})();
