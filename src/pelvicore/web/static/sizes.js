// A squeeze's size as "% of your strongest", with the trainer's own unit one tap away (DESIGN.md, "Units and
// honesty"). An element with data-pct and data-unit shows one or the other; tapping any size button
// (button.size-toggle) switches every size on the page, so the table and the sentence above it agree.
window.pelvicoreSizes = (() => {
  let inUnit = false;

  // What a tap does, said to a screen reader with the value itself.
  const describe = (button) => {
    const other = inUnit ? "as % of " + (button.dataset.whose || "your") + " strongest" : "in " + button.dataset.unitName;
    button.setAttribute("aria-label", button.textContent + "; tap to show " + other);
  };
  const show = (el) => {
    el.textContent = inUnit ? el.dataset.unit : el.dataset.pct;
    if (el.matches("button.size-toggle")) describe(el);
  };
  const render = () => document.querySelectorAll("[data-pct][data-unit]").forEach(show);
  document.addEventListener("click", (event) => {
    if (!(event.target instanceof Element) || !event.target.closest("button.size-toggle")) return;
    inUnit = !inUnit;
    render();
  });

  // "87 % of your strongest", "112 % — a new strongest"; a faint squeeze is "under 1 %", never 0 %.
  const percentText = (pct, whose = "your") => {
    if (pct < 0.5) return "under 1 % of " + whose + " strongest";
    const whole = Math.round(pct);
    return whole > 100 ? whole + " % — a new strongest" : whole + " % of " + whose + " strongest";
  };
  // A size button: its text follows the page's choice of % or unit.
  const button = (pctText, unitText, unitName, whose = "your") => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "size-toggle";
    Object.assign(b.dataset, { pct: pctText, unit: unitText, unitName, whose });
    show(b);
    return b;
  };

  render();
  return { percentText, button, render };
})();
