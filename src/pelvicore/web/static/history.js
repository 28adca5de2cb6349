// One chart across sessions: the strongest squeeze and the number of contractions.
(async () => {
  const box = document.getElementById("history-chart");
  if (!box) return;
  const sessions = (await (await fetch("/api/sessions")).json()).reverse();
  const x = sessions.map((s, i) => i + 1);
  const peak = sessions.map((s) => (s.summary ? s.summary.max_peak : null));
  const count = sessions.map((s) => s.contraction_count);
  new uPlot({
    width: Math.max(280, box.clientWidth), height: 260,
    scales: { x: { time: false }, n: {} },
    axes: [{ label: "session" }, { label: "strongest (above rest)" }, { scale: "n", side: 1, label: "contractions" }],
    series: [{}, { label: "strongest", stroke: "#6b2d8f", width: 2, points: { show: true } },
             { label: "contractions", scale: "n", stroke: "#1f6f43", width: 2, points: { show: true } }],
  }, [x, peak, count], box);
})();
