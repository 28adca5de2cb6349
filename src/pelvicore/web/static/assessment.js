// An assessment report's chart: the recorded trace, each phase of the protocol shaded by what it asked for,
// and the contractions (PERFECT) or coughs (cough test) the assessment measured.
(async () => {
  const box = document.getElementById("assessment-chart");
  const data = JSON.parse(document.getElementById("assessment-data").textContent);
  const response = await fetch("/api/sessions/" + box.dataset.session + "/trace?max_points=3000");
  if (!response.ok) return;
  const trace = await response.json();
  const t0 = trace.t_s.length ? trace.t_s[0] : 0;
  const t = trace.t_s.map((x) => x - t0);  // the assessment's times start at the first sample
  const names = Object.keys(trace.channels);

  const KINDS = {
    maximal: ["#6b2d8f", "strongest squeeze"], hold: ["#1f6f43", "hold"], fast: ["#2b6cb0", "quick squeeze"],
    flick: ["#2b6cb0", "quick flick"], endurance: ["#b7791f", "endurance hold"], cough: ["#c05621", "cough"],
  };
  const other = ["#555555", "squeeze"];
  const phases = data.phases.filter((p) => p.action !== "rest");
  const marks = [];
  const r = data.result;
  if (data.protocol === "perfect") for (const c of r.contractions) marks.push({ t: c.onset_s, label: c.counted_as });
  if (data.protocol === "cough") for (const c of r.coughs) marks.push({ t: c.peak_s, label: c.knack ? "Knack" : "" });

  const shade = (hex) => hex + "2e";  // about 18 % opaque
  const plugin = {
    hooks: {
      drawClear: [(u) => {
        const ctx = u.ctx;
        ctx.save();
        for (const p of phases) {
          const [colour] = KINDS[p.kind] || other;
          const x0 = u.valToPos(p.start_s, "x", true), x1 = u.valToPos(p.end_s, "x", true);
          ctx.fillStyle = shade(colour);
          ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
        }
        ctx.restore();
      }],
      draw: [(u) => {
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = "#1b1b1f";
        ctx.setLineDash([4, 3]);
        ctx.lineWidth = 1;
        for (const m of marks) {
          const x = u.valToPos(m.t, "x", true);
          ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
        }
        ctx.restore();
      }],
    },
  };
  const colours = ["#1f6f43", "#c05621", "#2b6cb0"];
  const height = () => (window.innerWidth < 500 ? 220 : 300);
  const plot = new uPlot({
    width: Math.max(280, box.clientWidth), height: height(), plugins: [plugin],
    scales: { x: { time: false } },
    legend: { show: false }, // the figure's caption and colour list say what is what
    axes: [{ label: "time (s)" }, { label: [...new Set(names.map((n) => data.units[n]))].join(", ") }],
    series: [{}, ...names.map((n, i) => ({ label: n, stroke: colours[i % 3], width: n === "floor" ? 2 : 1.2 }))],
  }, [t, ...names.map((n) => trace.channels[n])], box);
  window.addEventListener("resize", () => plot.setSize({ width: Math.max(280, box.clientWidth), height: height() }));

  // The legend of phase colours, for the kinds this protocol used.
  const legend = document.getElementById("phase-legend");
  const seen = new Set();
  for (const p of phases) {
    const [colour, label] = KINDS[p.kind] || other;
    if (seen.has(label)) continue;
    seen.add(label);
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = shade(colour);
    swatch.style.borderColor = colour;
    item.append(swatch, " " + label);
    legend.append(item);
  }
  if (marks.length) {
    const item = document.createElement("li");
    item.innerHTML = '<span class="swatch dashed"></span> ' + (data.protocol === "cough" ? "each cough found" : "each contraction measured");
    legend.append(item);
  }
  box.dataset.ready = "true";
})();
