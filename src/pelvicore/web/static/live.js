// The live session page: a scrolling pressure chart fed by the session WebSocket, cues with a countdown,
// each contraction counted and marked, a push warning, pause and stop.
(() => {
  const root = document.getElementById("live");
  const id = root.dataset.session;
  const unit = root.dataset.unit;
  const WINDOW_S = 15;
  const t = [], floor = [], abdomen = [];
  const marks = [];
  let maxSeen = 10, cueEndsAt = null, latest = 0;

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
    axes: [{ label: "time (s)" }, { label: unit }],
    series: [{}, { label: "floor", stroke: "#1f6f43", width: 2 }, { label: "abdomen", stroke: "#c05621", width: 1.5 }],
  }, [t, floor, abdomen], $("chart"));
  window.addEventListener("resize", () => plot.setSize({ width: width(), height: 260 }));

  let dirty = false;
  const redraw = () => {
    if (dirty) {
      plot.setData([t, floor, abdomen.length ? abdomen : floor.map(() => null)], false);
      plot.setScale("x", { min: latest - WINDOW_S, max: latest });
      root.dataset.latest = String(latest);
      dirty = false;
    }
    if (cueEndsAt !== null) $("countdown").textContent = Math.max(0, cueEndsAt - latest).toFixed(0);
    requestAnimationFrame(redraw);
  };
  requestAnimationFrame(redraw);

  const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/sessions/" + id);
  socket.onmessage = (event) => {
    const m = JSON.parse(event.data);
    if (m.type === "frame") {
      for (let i = 0; i < m.t_s.length; i++) {
        t.push(m.t_s[i]);
        floor.push(m.floor ? m.floor[i] : m[Object.keys(m.units)[0]][i]);
        if (m.abdomen) abdomen.push(m.abdomen[i]);
      }
      latest = m.t_s[m.t_s.length - 1];
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
      $("last-peak").textContent = m.peak.toFixed(1) + " " + unit;
      $("last-technique").textContent = m.technique;
    } else if (m.type === "warning") {
      $("warning").textContent = m.text;
      $("warning").hidden = false;
    } else if (m.type === "end") {
      $("cue").textContent = m.status === "completed" ? "Well done — session complete." : "Session " + m.status + ".";
      $("countdown").textContent = "";
      $("status").innerHTML = '<a href="/sessions/' + id + '">See the summary</a>';
      $("pause").disabled = $("stop").disabled = true;
    }
  };
  socket.onclose = () => { if (!$("status").innerHTML) $("status").textContent = "Connection closed."; };

  $("pause").addEventListener("click", async () => {
    const paused = $("pause").getAttribute("aria-pressed") === "true";
    await fetch("/api/sessions/" + id + "/" + (paused ? "resume" : "pause"), { method: "POST" });
    $("pause").setAttribute("aria-pressed", String(!paused));
    $("pause").textContent = paused ? "Pause" : "Resume";
  });
  $("stop").addEventListener("click", () => fetch("/api/sessions/" + id + "/stop", { method: "POST" }));
})();
