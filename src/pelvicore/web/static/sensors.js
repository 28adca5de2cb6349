// The "Sensor" list every start form shares: the simulator's people (in the page), each trainer a browser can
// reach with Web Bluetooth, and the trainers the server's own Bluetooth hears (after "Find trainers").
// Option values: a simulated person's name, "browser:<profile>" or "device:<address>|<profile>".
window.pelvicoreSensors = (() => {
  const BROWSER = "browser:";
  const DEVICE = "device:";
  const hasBluetooth = "bluetooth" in navigator;

  // Playback speed only means something for the simulator; a real trainer runs in real time.
  const followSpeed = (select, speed) => {
    const trainer = select.value.startsWith(BROWSER) || select.value.startsWith(DEVICE);
    speed.disabled = trainer;
    if (trainer) speed.value = "1";
  };

  const offerBrowserTrainers = (select, note, speed) => {
    select.addEventListener("change", () => followSpeed(select, speed));
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
  };

  // The source part of a session request for the chosen option.
  const source = (value, speed) => {
    if (value.startsWith(BROWSER)) return { source: "browser", device_profile: value.slice(BROWSER.length) };
    if (value.startsWith(DEVICE)) {
      const [address, profile] = value.slice(DEVICE.length).split("|");
      return { source: "device", device_address: address, device_profile: profile };
    }
    return { source: "simulator", profile: value, speed: Number(speed) };
  };

  return { BROWSER, DEVICE, followSpeed, offerBrowserTrainers, source };
})();
