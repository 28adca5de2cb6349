// One small chart per metric across sessions, oldest to newest.
(async () => {
  const boxes = document.querySelectorAll(".history-chart");
  if (!boxes.length) return;
  const sessions = (await (await fetch("/api/sessions")).json()).reverse();
  const x = sessions.map((s, i) => i + 1);
  for (const box of boxes) {
    const key = box.dataset.metric;
    // Sizes only in one unit (the newest session's): trainers' numbers cannot be compared with each other.
    const unit = box.dataset.unit;
    const y = sessions.map((s) => {
      if (key === "count") return s.contraction_count;
      if (!s.summary || (unit && s.summary.unit !== unit)) return null;
      return s.summary[key];
    });
    new uPlot({
      width: Math.max(260, box.clientWidth), height: 180,
      scales: { x: { time: false } },
      legend: { show: false },
      axes: [{ label: "session", incrs: [1, 2, 5, 10, 20, 50] }, {}],
      series: [{}, { label: box.dataset.title, stroke: "#6b2d8f", width: 2, points: { show: true } }],
    }, [x, y], box);
  }
})();
