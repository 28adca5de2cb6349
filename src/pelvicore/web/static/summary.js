// The recorded trace of a finished session, with each contraction's onset marked.
(async () => {
  const box = document.getElementById("trace");
  const contractions = JSON.parse(document.getElementById("contractions-data").textContent);
  const response = await fetch("/api/sessions/" + box.dataset.session + "/trace");
  if (!response.ok) return;
  const trace = await response.json();
  const names = Object.keys(trace.channels);
  const marks = {
    hooks: { draw: [(u) => {
      const ctx = u.ctx; ctx.save(); ctx.strokeStyle = "#6b2d8f"; ctx.lineWidth = 2;
      for (const c of contractions) {
        const x = u.valToPos(c.onset_s, "x", true);
        ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
      }
      ctx.restore();
    }] },
  };
  const colours = ["#1f6f43", "#c05621", "#2b6cb0"];
  new uPlot({
    width: Math.max(280, box.clientWidth), height: 260, plugins: [marks],
    scales: { x: { time: false } },
    legend: { show: false }, // the caption says in words which line is which
    axes: [{ label: "time (s)" }, {}],
    series: [{}, ...names.map((n, i) => ({ label: n, stroke: colours[i % 3], width: 1.5 }))],
  }, [trace.t_s, ...names.map((n) => trace.channels[n])], box);
})();

// Deleting the session: asked once more, then gone, back to the list.
(() => {
  const button = document.getElementById("delete-session");
  if (!button) return;
  button.addEventListener("click", async () => {
    if (!window.confirm("Delete this session and its recording for good?")) return;
    const response = await fetch("/api/sessions/" + button.dataset.session, { method: "DELETE" });
    if (response.ok) {
      location.assign("/history");
      return;
    }
    const body = await response.json().catch(() => ({}));
    document.getElementById("delete-session-result").textContent =
      "Not deleted: " + (typeof body.detail === "string" ? body.detail : "error " + response.status) + ".";
  });
})();

// Resuming an interrupted simulated session: it carries on from its last recorded sample, on its live page.
(() => {
  const button = document.getElementById("resume-session");
  if (!button) return;
  button.addEventListener("click", async () => {
    button.disabled = true;
    const response = await fetch("/api/sessions/" + button.dataset.session + "/resume", { method: "POST" });
    if (response.ok) {
      location.assign("/sessions/" + button.dataset.session + "/live");
      return;
    }
    const body = await response.json().catch(() => ({}));
    document.getElementById("resume-result").textContent =
      "Not resumed: " + (typeof body.detail === "string" ? body.detail : "error " + response.status) + ".";
    button.disabled = false;
  });
})();
