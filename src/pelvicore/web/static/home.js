// Start a session from the home page form, then open its live page. The sensor list offers the simulator and,
// for each trainer that a browser can reach, "Bluetooth in this browser" (the live page pairs it).
(() => {
  const select = document.getElementById("profile");
  const note = document.getElementById("sensor-note");
  const speed = document.getElementById("speed");
  const hasBluetooth = "bluetooth" in navigator;
  const BROWSER = "browser:";

  // Playback speed only means something for the simulator; a real trainer runs in real time.
  const followSensor = () => {
    const browser = select.value.startsWith(BROWSER);
    speed.disabled = browser;
    if (browser) speed.value = "1";
  };
  select.addEventListener("change", followSensor);

  fetch("/api/devices/profiles")
    .then((response) => (response.ok ? response.json() : []))
    .then((profiles) => {
      const usable = profiles.filter((p) => p.web_bluetooth);
      for (const p of usable) {
        const option = new Option(p.title + " — Bluetooth in this browser", BROWSER + p.name);
        option.disabled = !hasBluetooth;
        select.add(option);
      }
      if (usable.length && !hasBluetooth) {
        note.textContent = "Trainers over Bluetooth: this browser has no Web Bluetooth — use Chrome, Edge or Android Chrome.";
        note.hidden = false;
      }
    })
    .catch(() => {}); // without the list the simulator still works

  document.getElementById("start-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const error = document.getElementById("start-error");
    const sensor = String(form.get("profile"));
    const body = sensor.startsWith(BROWSER)
      ? { source: "browser", device_profile: sensor.slice(BROWSER.length), routine: form.get("routine") }
      : { source: "simulator", profile: sensor, routine: form.get("routine"), speed: Number(form.get("speed")) };
    const response = await fetch("/api/sessions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      error.textContent = "Could not start the session (" + response.status + ").";
      error.hidden = false;
      return;
    }
    const { id } = await response.json();
    window.location.href = "/sessions/" + id + "/live";
  });
})();
