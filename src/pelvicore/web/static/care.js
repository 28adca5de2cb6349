// The back-pain companion's pages: forms post JSON and show the HTML fragment the server answers with,
// the body map toggles its regions, and the insight page draws its weekly charts.
"use strict";
(() => {
  // -- sending and showing ------------------------------------------------------------------------------------
  async function post(url, data) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(data),
    });
    return { ok: response.ok, status: response.status, text: await response.text() };
  }

  function detailOf(text, status) {
    try {
      const { detail } = JSON.parse(text);
      if (typeof detail === "string") return detail;
      if (Array.isArray(detail)) return detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
    } catch (_) {
      // not JSON: fall through to the general message
    }
    return `The server could not answer (status ${status}). Please try again.`;
  }

  // Show a fragment and move focus to its first heading, so keyboard and screen-reader users land on the result.
  function showFragment(box, html, { focus = true } = {}) {
    box.innerHTML = html;
    if (!focus) return;
    const heading = box.querySelector(".result-heading") || box;
    if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
    heading.focus();
  }

  // The field a message names ("weight_kg: must be 25-300", "instruments: odi.sections[2]: ..."), if on the form.
  function fieldOf(form, message) {
    const match = /^([a-z_0-9]+)(?:[.[][^:]*)?: (?:([a-z_0-9]+)[.:[])?/.exec(message);
    if (!form || !match) return null;
    if (match[1] === "instruments" && match[2]) return form.querySelector(`[data-instrument="${match[2]}"]`);
    return form.querySelector(`[data-key="${match[1]}"]`) || form.querySelector(`[name="${match[1]}"]`);
  }

  function nameOf(field) {
    if (field.labels && field.labels.length) return field.labels[0].textContent.trim();
    const legend = field.querySelector && field.querySelector("legend");
    return legend ? legend.textContent.trim() : "";
  }

  function showError(box, form, message, { focus = true } = {}) {
    for (const old of (form || document).querySelectorAll("[aria-invalid]")) old.removeAttribute("aria-invalid");
    const field = fieldOf(form, message);
    const p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    p.tabIndex = -1;
    p.id = `${box.id || "care"}-error`;
    p.textContent = field && nameOf(field) ? `Please check “${nameOf(field)}”: ${message}` : `Please check: ${message}`;
    box.replaceChildren(p);
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", p.id);
    }
    if (focus) p.focus();
  }

  // Replace one section of this page with its fresh copy from the server (the diary's recent entries).
  async function refreshSection(id) {
    const html = await (await fetch(location.pathname)).text();
    const fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
    const old = document.getElementById(id);
    if (fresh && old) old.replaceWith(fresh);
  }

  // -- reading the forms ----------------------------------------------------------------------------------------
  class BadNumber extends Error {}

  function valueOf(el) {
    if (el.validity && el.validity.badInput) throw new BadNumber(`${el.name || el.id}: please type a number`);
    const text = el.value.trim();
    if (text === "") return null;
    switch (el.dataset.kind) {
      case "int":
      case "float":
        return Number(text);
      case "bool":
        return text === "true";
      default:
        return text;
    }
  }

  const checked = (root, name) => [...root.querySelectorAll(`input[name="${name}"]:checked`)].map((e) => e.value);
  const radio = (root, name) => root.querySelector(`input[name="${name}"]:checked`);

  function profileData(form) {
    const data = {};
    for (const el of form.querySelectorAll("input[type=number]")) data[el.name] = valueOf(el);
    const status = radio(form, "menopause_status");
    data.menopause_status = status && status.value ? status.value : null;
    for (const el of form.querySelectorAll("input[type=checkbox]:not([name=goals])")) data[el.name] = el.checked || null;
    data.goals = checked(form, "goals");
    data.device = form.querySelector("#device").value || null;
    return data;
  }

  // One questionnaire's fields: list fields (data-index) in order with null for blanks; null when all are blank.
  function instrumentData(fieldset) {
    const out = {};
    let any = false;
    for (const el of fieldset.querySelectorAll("[data-field]")) {
      const picked = el.tagName === "FIELDSET" ? el.querySelector("input:checked") : el;
      const value = picked ? valueOf(picked) : null;
      any = any || value !== null;
      const field = el.dataset.field;
      if (el.dataset.index === undefined) {
        if (value !== null) out[field] = value;
        continue;
      }
      out[field] = out[field] || [];
      out[field][Number(el.dataset.index)] = value;
    }
    for (const [field, list] of Object.entries(out)) {
      if (Array.isArray(list)) {
        if (list.every((v) => v === null || v === undefined)) delete out[field];
        else out[field] = Array.from(list, (v) => (v === undefined ? null : v));
      }
    }
    return any ? out : null;
  }

  function diaryData(form) {
    const data = { date: form.querySelector("#date").value || null };
    const pain = radio(form, "pain");
    if (pain) data.pain = Number(pain.value);
    data.where = checked(form, "where");
    data.leg_tingling_or_numbness = form.querySelector("#leg_tingling_or_numbness").checked;
    const stiffness = radio(form, "stiffness");
    if (stiffness) data.stiffness = stiffness.value;
    data.leaking_episodes = valueOf(form.querySelector("#leaking_episodes"));
    data.sleep_hours = valueOf(form.querySelector("#sleep_hours"));
    data.signs = checked(form, "signs");
    const peg = [...form.querySelectorAll("input[name=peg]")].map(valueOf);
    if (peg.some((v) => v !== null)) data.peg = peg;
    const instruments = {};
    for (const fieldset of form.querySelectorAll("[data-instrument]")) {
      const entered = instrumentData(fieldset);
      if (entered) instruments[fieldset.dataset.instrument] = entered;
    }
    if (Object.keys(instruments).length) data.instruments = instruments;
    return data;
  }

  function triageData(form) {
    const data = {};
    for (const el of form.querySelectorAll("input[type=number]")) {
      const value = valueOf(el);
      if (value !== null) data[el.name] = value;
    }
    for (const el of form.querySelectorAll("input[type=checkbox]:checked")) data[el.name] = true;
    return data;
  }

  const COLLECT = { profile: profileData, diary: diaryData, triage: triageData };

  for (const form of document.querySelectorAll("form[data-care-form]")) {
    const box = document.getElementById(form.dataset.result);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      let data;
      try {
        data = COLLECT[form.dataset.careForm](form);
      } catch (error) {
        if (!(error instanceof BadNumber)) throw error;
        showError(box, form, error.message);
        return;
      }
      button.disabled = true;
      try {
        const answer = await post(form.dataset.action, data);
        if (answer.ok) {
          for (const old of form.querySelectorAll("[aria-invalid]")) old.removeAttribute("aria-invalid");
          showFragment(box, answer.text);
          if (form.dataset.careForm === "diary") refreshSection("recent");
        } else {
          showError(box, form, detailOf(answer.text, answer.status));
        }
      } catch (_) {
        showError(box, form, "the server could not be reached. Is pelvicore still running?");
      } finally {
        button.disabled = false;
      }
    });
  }

  // "Work out the score" for one questionnaire, and "Yes — check again" after a diary entry.
  document.addEventListener("click", async (event) => {
    const scoreButton = event.target.closest("[data-score]");
    if (scoreButton) {
      const fieldset = scoreButton.closest("[data-instrument]");
      const out = fieldset.querySelector(".score-out");
      try {
        const answer = await post(`/care/diary/score/${scoreButton.dataset.score}`, instrumentData(fieldset) || {});
        if (answer.ok) showFragment(out, answer.text, { focus: false });
        else showError(out, fieldset.closest("form"), detailOf(answer.text, answer.status), { focus: false });
      } catch (error) {
        if (!(error instanceof BadNumber)) throw error;
        showError(out, fieldset.closest("form"), error.message, { focus: false });
      }
      return;
    }
    const confirm = event.target.closest("[data-confirm]");
    if (confirm) {
      const answers = { ...JSON.parse(confirm.dataset.answers), [confirm.dataset.confirm]: true };
      const out = confirm.parentElement.querySelector(".confirm-out");
      const answer = await post("/care/triage", answers);
      if (answer.ok) showFragment(out, answer.text);
      else showError(out, null, detailOf(answer.text, answer.status));
    }
  });

  // -- body map -------------------------------------------------------------------------------------------------
  // Each region is a checkbox for assistive technology, kept in step with the matching checkbox in the list.
  for (const map of document.querySelectorAll(".bodymap")) {
    const form = map.closest("form");
    map.hidden = false;
    for (const region of map.querySelectorAll(".region")) {
      const box = form.querySelector(`input[name=where][value="${region.dataset.region}"]`);
      region.setAttribute("role", "checkbox");
      region.setAttribute("tabindex", "0");
      const sync = () => region.setAttribute("aria-checked", String(box.checked));
      const toggle = () => {
        box.checked = !box.checked;
        sync();
      };
      region.addEventListener("click", toggle);
      region.addEventListener("keydown", (event) => {
        if (event.key === " " || event.key === "Enter") {
          event.preventDefault();
          toggle();
        }
      });
      box.addEventListener("change", sync);
      sync();
    }
  }

  // -- bone page: after the form is sent, go to the result (or the mistake) -----------------------------------------
  if (location.pathname === "/care/bone" && location.search) {
    const target = document.getElementById("bone-error") || document.getElementById("bone-result-h");
    if (target) {
      target.tabIndex = -1;
      target.focus();
    }
  }

  // -- insight charts -------------------------------------------------------------------------------------------------
  async function insightCharts(boxes) {
    const insight = await (await fetch("/api/care/insight")).json();
    const weeks = insight.weeks;
    const x = weeks.map((w) => Date.parse(`${w.week_start}T00:00:00Z`) / 1000);
    const sessions = weeks.map((w) => w.sessions);
    const tenPoints = { pain: true, function: true };
    for (const box of boxes) {
      const key = box.dataset.outcome;
      const y = weeks.map((w) => w[key]);
      if (y.every((v) => v === null)) {
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        box.className = "insight-chart-empty note";
        box.textContent = `Nothing to draw yet: no ${box.dataset.axis.split(",")[0]} in your records.`;
        continue;
      }
      const halfWeek = 3.5 * 86400; // room for the first and last week's bars
      const scales = { x: { time: true, range: (u, min, max) => [min - halfWeek, max + halfWeek] }, y: { range: tenPoints[key] ? [0, 10] : (u, min, max) => [0, Math.max(1, max || 0) * 1.1] } };
      const series = [
        { label: "week of" },
        { label: box.dataset.axis, stroke: "#6b2d8f", width: 2, points: { show: true, size: 7 }, scale: "y", spanGaps: true },
      ];
      const axes = [{}, { label: box.dataset.axis, scale: "y" }];
      const data = [x, y];
      if (key !== "max_squeeze") {
        series.push({
          label: "training sessions a week", scale: "sessions", stroke: "#1f6f43", fill: "rgba(31, 111, 67, 0.25)",
          paths: uPlot.paths.bars({ size: [0.5, 40] }), points: { show: false },
        });
        axes.push({ label: "sessions a week", scale: "sessions", side: 1, grid: { show: false } });
        scales.sessions = { range: (u, min, max) => [0, Math.max(7, max || 0)] };
        data.push(sessions);
      }
      const plot = new uPlot({
        width: Math.max(260, box.clientWidth), height: 220, scales, series, axes, legend: { live: false },
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      }, data, box);
      plots.push({ plot, box });
    }
  }
  const plots = [];
  window.addEventListener("resize", () => {
    for (const { plot, box } of plots) plot.setSize({ width: Math.max(260, box.clientWidth), height: 220 });
  });
  const charts = document.querySelectorAll(".insight-chart");
  if (charts.length) insightCharts(charts);
})();
