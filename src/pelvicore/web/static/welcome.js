// The welcome steps one at a time (without this script every step shows, one under the other).
(() => {
  const steps = [...document.querySelectorAll(".step")];
  const count = document.getElementById("step-count");
  const buttons = document.querySelector(".step-buttons");
  const back = document.getElementById("step-back");
  const next = document.getElementById("step-next");
  let at = 0;
  const show = (i, focus) => {
    at = Math.max(0, Math.min(steps.length - 1, i));
    steps.forEach((s, k) => { s.hidden = k !== at; });
    count.textContent = "Step " + (at + 1) + " of " + steps.length;
    back.disabled = at === 0;
    next.hidden = at === steps.length - 1;
    if (focus) steps[at].querySelector("h2").focus();
  };
  for (const s of steps) s.querySelector("h2").tabIndex = -1;
  count.hidden = false;
  buttons.hidden = false;
  back.addEventListener("click", () => show(at - 1, true));
  next.addEventListener("click", () => show(at + 1, true));
  show(0, false);
})();
