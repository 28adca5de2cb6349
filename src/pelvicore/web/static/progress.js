// The progress dashboard: one small uPlot chart per measure across weeks, and PERFECT power per assessment
// against the squeeze-pressure classes. The numbers themselves are in each chart's <details> table.
(() => {
  const data = JSON.parse(document.getElementById("progress-data").textContent);
  const day = (iso) => Date.parse(iso + "T12:00:00") / 1000;  // noon: no time-zone edge moves the day
  const x = data.weeks.map((w) => day(w.week_start));
  const plots = [];
  const width = (box) => Math.max(260, box.clientWidth);
  // Time ticks at the data's own days (a week's start, an assessment), at most about one per 70 px: one week of
  // data shows its one date, a year shows every month or so, never a row of identical labels.
  const dateLabel = (t) => new Date(t * 1000).toLocaleDateString(undefined, { day: "numeric", month: "short" });
  const daySplits = (days) => (u) => {
    const most = Math.max(1, Math.floor(u.bbox.width / devicePixelRatio / 70));
    const step = Math.ceil(days.length / most);
    return days.filter((_, i) => i % step === 0);
  };
  const base = (box, unit, days = x) => ({
    width: width(box), height: 200,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    axes: [{ splits: daySplits(days), values: (u, ticks) => ticks.map(dateLabel) }, { label: unit, size: 56 }],
  });
  const line = (label, stroke, extra = {}) => ({ label, stroke, width: 2, points: { show: true, size: 7, fill: stroke }, spanGaps: true, ...extra });

  for (const box of document.querySelectorAll(".progress-chart[data-measure]")) {
    const key = box.dataset.measure;
    const unit = data.measures[key].unit;
    const opts = base(box, unit);
    let series, values;
    if (key === "sessions") {
      series = [{}, line("sessions", "#6b2d8f"), line("planned", "#1f6f43", { dash: [6, 4], points: { show: false } })];
      values = [x, data.weeks.map((w) => w.sessions), data.weeks.map((w) => w.planned)];
      opts.scales = { y: { range: (u, min, max) => [0, Math.max(1, max) * 1.1] } };
    } else if (key === "lift_pct") {
      series = [{}, line("lifted", "#6b2d8f")];
      values = [x, data.weeks.map((w) => w.lift_pct)];
      opts.scales = { y: { range: [0, 100] } };
    } else {
      series = [{}, line(data.measures[key].title, "#6b2d8f")];
      values = [x, data.weeks.map((w) => w[key])];
      opts.scales = { y: { range: (u, min, max) => [0, (max || 1) * 1.15] } };
    }
    opts.series = series;
    opts.scales.x = { time: true, range: (u, min, max) => (min === max ? [min - 4 * 86400, max + 4 * 86400] : [min, max]) };
    plots.push([box, new uPlot(opts, values, box)]);
  }

  // PERFECT power per assessment, with a line where each Angelo 2017 class starts.
  const powerBox = document.getElementById("power-chart");
  if (powerBox) {
    const rows = data.assessments.filter((a) => a.protocol === "perfect" && a.power_cmh2o !== null && a.power_cmh2o !== undefined);
    const CLASSES = [[7.5, "very weak"], [14.6, "weak"], [26.6, "moderate"], [41.6, "good"], [60.6, "strong"]];
    const bands = {
      hooks: { draw: [(u) => {
        const ctx = u.ctx;
        ctx.save();
        ctx.font = Math.round(11 * devicePixelRatio) + "px system-ui, sans-serif";
        ctx.fillStyle = "#555";
        ctx.textAlign = "left";
        ctx.textBaseline = "bottom";
        ctx.strokeStyle = "#bbb";
        ctx.setLineDash([3, 3]);
        for (const [lower, name] of CLASSES) {
          if (lower > u.scales.y.max) continue;
          const y = u.valToPos(lower, "y", true);
          ctx.beginPath(); ctx.moveTo(u.bbox.left, y); ctx.lineTo(u.bbox.left + u.bbox.width, y); ctx.stroke();
          ctx.fillText(name, u.bbox.left + 4, y - 3);
        }
        ctx.restore();
      }] },
    };
    const opts = base(powerBox, "cmH2O", rows.map((a) => Date.parse(a.at) / 1000));
    opts.plugins = [bands];
    opts.scales = { x: { time: true, range: (u, min, max) => (min === max ? [min - 3 * 86400, max + 3 * 86400] : [min, max]) },
                    y: { range: (u, min, max) => [0, Math.max(70, max * 1.1)] } };
    opts.series = [{}, line("power", "#6b2d8f")];
    plots.push([powerBox, new uPlot(opts, [rows.map((a) => Date.parse(a.at) / 1000), rows.map((a) => a.power_cmh2o)], powerBox)]);
  }
  window.addEventListener("resize", () => { for (const [box, plot] of plots) plot.setSize({ width: width(box), height: 200 }); });
  document.body.dataset.chartsReady = String(plots.length);
})();
