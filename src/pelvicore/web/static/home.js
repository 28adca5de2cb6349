// Start a session from the home page form, then open its live page. The sensor list offers the simulator and,
// for each trainer that a browser can reach, "Bluetooth in this browser" (the live page pairs it).
(() => {
  const select = document.getElementById("profile");
  const note = document.getElementById("sensor-note");
  const speed = document.getElementById("speed");
  const sensors = window.pelvicoreSensors;
  const followSensor = () => sensors.followSpeed(select, speed);
  sensors.offerBrowserTrainers(select, note, speed);

  // Trainers the server's own Bluetooth hears (a USB dongle, the computer's adapter, or virtual trainers).
  const DEVICE = sensors.DEVICE;
  const findStatus = document.getElementById("find-status");
  document.getElementById("find-trainers").addEventListener("click", async () => {
    findStatus.textContent = "Listening for trainers for 3 seconds…";
    try {
      const response = await fetch("/api/devices/scan?seconds=3");
      const body = await response.json();
      if (!response.ok) {
        findStatus.textContent = "Could not look for trainers: " + (body.detail || response.status) + ".";
        return;
      }
      for (const option of [...select.options]) if (option.value.startsWith(DEVICE)) option.remove();
      for (const t of body) {
        const label = `${t.name || t.profile} (${t.address}) — this computer's Bluetooth, signal ${t.rssi} dBm`;
        select.add(new Option(label, DEVICE + t.address + "|" + t.profile));
      }
      findStatus.textContent = body.length
        ? `Found ${body.length} trainer${body.length === 1 ? "" : "s"}: choose one in the Sensor list.`
        : "No trainers heard. Switch the trainer on, take it out of its case, and close its own app.";
      if (body.length) select.value = select.options[select.options.length - body.length].value;
      followSensor();
    } catch (err) {
      findStatus.textContent = "Could not look for trainers: the server did not answer.";
    }
  });

  // One press, one session: Start stays disabled (and says so) while the session is being made.
  const startForm = document.getElementById("start-form");
  const startButton = startForm.querySelector("button[type=submit]");
  const startLabel = startButton.textContent;
  const busy = (on) => {
    startButton.disabled = on;
    startButton.setAttribute("aria-busy", on ? "true" : "false");
    startButton.textContent = on ? "Starting…" : startLabel;
  };
  startForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (startButton.disabled) return;
    busy(true);
    const form = new FormData(event.target);
    const error = document.getElementById("start-error");
    const sensor = String(form.get("profile"));
    const body = { ...sensors.source(sensor, form.get("speed")), routine: form.get("routine") };
    if (body.source === "device") {
      error.textContent = "Connecting to the trainer…";
      error.hidden = false;
    }
    let response;
    try {
      response = await fetch("/api/sessions", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch {
      error.textContent = "Could not start the session: the server did not answer. Check it is running and try again.";
      error.hidden = false;
      busy(false);
      return;
    }
    if (!response.ok) {
      const detail = await response.json().then((b) => b.detail, () => null);
      error.textContent =
        "Could not start the session: " + (typeof detail === "string" ? detail : "error " + response.status) + ".";
      error.hidden = false;
      busy(false);
      return;
    }
    const { id } = await response.json();
    window.location.href = "/sessions/" + id + "/live";  // Start stays disabled until the live page opens
  });
  // Back from the live page (the browser's page cache): Start works again.
  window.addEventListener("pageshow", () => busy(false));
})();
