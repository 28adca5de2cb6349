// Web Bluetooth transport for browser sessions: the person pairs her trainer in this browser, the page
// subscribes to (or polls) the profile's pressure characteristics and forwards every raw payload to the server
// over the session WebSocket. The server decodes with the same device profiles as the host transport, so
// nothing here knows a byte layout.
(() => {
  "use strict";

  const BATTERY_SERVICE = "0000180f-0000-1000-8000-00805f9b34fb";
  const BATTERY_LEVEL = "00002a19-0000-1000-8000-00805f9b34fb";
  const MAX_BACKOFF_S = 30;
  const DEFAULT_POLL_HZ = 20;
  // How often the page checks the link itself: a browser can lose a link without firing gattserverdisconnected
  // (seen when the link drops while a read is pending), which would leave "Connected" on screen for ever.
  const LINK_CHECK_MS = 1000;
  // A polled read still unanswered after this long means the link has gone, whatever the browser says: a trainer
  // answers a read within a connection interval or two (tens of ms), so 3 s is far beyond a slow answer.
  const READ_STALL_MS = 3000;

  const supported = () => typeof navigator !== "undefined" && "bluetooth" in navigator;

  const hex = (view) =>
    Array.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), (b) => b.toString(16).padStart(2, "0")).join("");

  // Only the profile's own names and services are offered in the chooser, so a person never picks her
  // headphones by mistake; the battery service is asked for too, to show the charge.
  const requestOptions = (profile) => {
    const filters = [
      ...profile.names.map((prefix) => ({ namePrefix: prefix })),
      ...profile.services.map((uuid) => ({ services: [uuid] })),
    ];
    return { filters, optionalServices: [...new Set([...profile.services, BATTERY_SERVICE])] };
  };

  // What went wrong, in words a person can act on. Chromium reports a cancelled chooser as NotFoundError too.
  const explain = (error, profile) => {
    const name = error && error.name;
    const message = String((error && error.message) || "");
    if (name === "NotFoundError" && /cancel/i.test(message)) return "No trainer chosen. Press Connect sensor to try again.";
    if (name === "NotFoundError") {
      return "No " + profile.title + " was found. Switch it on, keep it close, close its own app, and try again.";
    }
    if (name === "SecurityError") return "This page may not use Bluetooth here: it needs a secure (https) address and Bluetooth permission.";
    if (name === "NotAllowedError") return "The browser did not allow Bluetooth. Press Connect sensor again.";
    if (name === "NetworkError") return "Could not connect to the trainer. Make sure it is switched on and not connected to another app.";
    if (name === "NotSupportedError") return "This trainer does not offer the data pelvicore expects from a " + profile.title + ".";
    if (name === "TypeError" && !supported()) return "This browser has no Web Bluetooth — use Chrome, Edge or Android Chrome.";
    return "Bluetooth problem: " + (message || name || "unknown error") + ".";
  };

  /**
   * One trainer paired in this browser.
   *
   * profile: an entry of GET /api/devices/profiles. send(message): deliver a JSON message to the server.
   * report(state, text): show the sensor state in plain words.
   */
  class BrowserSensor {
    constructor(profile, { send, report }) {
      this.profile = profile;
      this.send = send;
      this.report = (state, text) => { this.state = state; report(state, text); };
      this.state = "idle";
      this.device = null;
      this.battery = null;
      this.listeners = [];
      this.pollTimer = null;
      this.linkTimer = null;
      this.readSince = 0; // when the pending polled read began (performance.now()), 0 when none is pending
      this.retryTimer = null;
      this.retryDelayS = 1;
      this.attempt = 0;
      this.wanted = false; // true while the person wants the sensor connected
      this.announced = false; // true while the server has been told "connected"
      this.onDisconnected = () => this._disconnected();
    }

    // Open the browser's chooser; must run from a click or key press.
    async pair() {
      if (this.state === "choosing" || this.state === "connecting") return;
      if (!supported()) {
        this.report("failed", "This browser has no Web Bluetooth — use Chrome, Edge or Android Chrome.");
        return;
      }
      this._cancelRetry();
      this.report("choosing", "Choose your trainer in the browser's list…");
      let device;
      try {
        device = await navigator.bluetooth.requestDevice(requestOptions(this.profile));
      } catch (error) {
        this.report(this.device && this.wanted ? "disconnected" : "failed", explain(error, this.profile));
        if (this.device && this.wanted) this._scheduleReconnect();
        return;
      }
      this._forget();
      this.device = device;
      this.wanted = true;
      device.addEventListener("gattserverdisconnected", this.onDisconnected);
      this.report("connecting", "Connecting to " + this._name() + "…");
      try {
        await this._connect();
      } catch (error) {
        if (this.device !== device) return; // the person chose another trainer meanwhile
        if (error.name === "NotSupportedError") {
          // The wrong kind of trainer: trying again will not help.
          this.wanted = false;
          if (device.gatt.connected) device.gatt.disconnect();
          this.report("failed", explain(error, this.profile));
          return;
        }
        if (device.gatt.connected) device.gatt.disconnect();
        this.report("disconnected", explain(error, this.profile) + " Trying again…");
        this._scheduleReconnect();
      }
    }

    // The person or the end of the session lets go of the sensor: no reconnecting after this.
    disconnect(text = "Sensor disconnected.") {
      this.wanted = false;
      this._cancelRetry();
      this._stopStreams();
      if (this.device && this.device.gatt.connected) this.device.gatt.disconnect();
      this._announceGone();
      this.report("idle", text);
    }

    _name() {
      return (this.device && this.device.name) || this.profile.title;
    }

    async _connect() {
      const server = await this.device.gatt.connect();
      const characteristics = await this._characteristics(server);
      this.battery = await this._readBattery(server);
      this.send({ type: "sensor", state: "connected", name: this._name(), battery: this.battery });
      this.announced = true;
      await this._startStreams(characteristics);
      this.retryDelayS = 1;
      this.attempt = 0;
      const battery = this.battery === null ? "" : " — battery " + this.battery + " %";
      this.report("connected", "Connected to " + this._name() + battery + ".");
    }

    // The profile's data characteristics, found anew on every connection (objects from an earlier one are stale).
    async _characteristics(server) {
      const wanted = new Set(this.profile.characteristics.map((u) => u.toLowerCase()));
      const found = [];
      for (const uuid of this.profile.services) {
        let service;
        try {
          service = await server.getPrimaryService(uuid);
        } catch (error) {
          if (error.name === "NotFoundError") continue; // profiles list alternative services (e.g. Perifit)
          throw error;
        }
        let characteristics = [];
        try {
          characteristics = await service.getCharacteristics();
        } catch (error) {
          if (error.name !== "NotFoundError") throw error;
        }
        for (const c of characteristics) if (wanted.has(c.uuid) && !found.some((f) => f.uuid === c.uuid)) found.push(c);
      }
      if (!found.length) {
        const error = new Error("none of the characteristics " + [...wanted].join(", "));
        error.name = "NotSupportedError";
        throw error;
      }
      return found;
    }

    async _readBattery(server) {
      try {
        const service = await server.getPrimaryService(BATTERY_SERVICE);
        const level = await service.getCharacteristic(this.profile.battery_characteristic || BATTERY_LEVEL);
        return Math.min(100, (await level.readValue()).getUint8(0));
      } catch {
        return null; // many trainers have no standard battery service
      }
    }

    async _startStreams(characteristics) {
      this._stopStreams();
      const polled = [];
      for (const c of characteristics) {
        if (this.profile.mode === "notify") {
          const listener = (event) => this._forward(event.target.uuid, event.target.value, event.timeStamp);
          c.addEventListener("characteristicvaluechanged", listener);
          try {
            await c.startNotifications();
            this.listeners.push([c, listener]);
            continue;
          } catch (error) {
            c.removeEventListener("characteristicvaluechanged", listener);
            // A trainer (or an operating system's Bluetooth stack) that refuses the subscription can still
            // be followed by reading the value, if the characteristic allows reads.
            if (!c.properties.read) throw error;
          }
        }
        polled.push(c);
      }
      if (polled.length) this._poll(polled);
      this.linkTimer = setInterval(() => {
        if (this.state !== "connected" || !this.device) return;
        if (!this.device.gatt.connected) this._disconnected();
        else if (this.readSince && performance.now() - this.readSince > READ_STALL_MS) this._stalled();
      }, LINK_CHECK_MS);
    }

    // Poll mode (e.g. Elvie): read at the profile's rate, never starting a read while the last is pending.
    _poll(characteristics) {
      const hz = this.profile.poll_hz > 0 ? this.profile.poll_hz : DEFAULT_POLL_HZ;
      let busy = false;
      let failures = 0;
      const timer = setInterval(async () => {
        if (busy || !this.device || !this.device.gatt.connected) return;
        busy = true;
        this.readSince = performance.now();
        try {
          for (const c of characteristics) {
            const value = await c.readValue();
            if (this.pollTimer !== timer) return; // an answer that came after the link was given up
            this._forward(c.uuid, value, performance.now());
          }
          failures = 0;
        } catch {
          if (this.pollTimer !== timer) return;
          // A read fails when the link drops; gattserverdisconnected handles that. Otherwise say so.
          failures += 1;
          if (failures === 10 && this.device.gatt.connected) {
            this.report("connected", this._name() + " is connected but not answering. Give it a few squeezes to wake it.");
          }
        } finally {
          busy = false;
          if (this.pollTimer === timer) this.readSince = 0;
        }
      }, 1000 / hz);
      this.pollTimer = timer;
    }

    // t_ms: when the value arrived by this page's clock, so the server measures the trainer's rate from the
    // trainer's own pace, not from when a busy network delivers the messages.
    _forward(uuid, value, tMs) {
      if (!value) return;
      const message = { type: "payload", characteristic: uuid.toLowerCase(), hex: hex(value) };
      if (Number.isFinite(tMs) && tMs >= 0) message.t_ms = Math.round(tMs * 10) / 10;
      this.send(message);
    }

    _stopStreams() {
      clearInterval(this.pollTimer);
      clearInterval(this.linkTimer);
      this.pollTimer = null;
      this.linkTimer = null;
      this.readSince = 0;
      for (const [c, listener] of this.listeners) c.removeEventListener("characteristicvaluechanged", listener);
      this.listeners = [];
    }

    // A read that never answers: let go of the link and connect again, as if the browser had reported the loss.
    _stalled() {
      console.warn("pelvicore: the trainer stopped answering reads; connecting again");
      this.readSince = 0;
      this._disconnected();
      if (this.device && this.device.gatt.connected) this.device.gatt.disconnect();
    }

    _disconnected() {
      this._stopStreams();
      this._announceGone();
      // A link lost while connecting is retried by whoever was connecting.
      if (!this.wanted || this.state !== "connected") return;
      this.report("disconnected", "Sensor disconnected — reconnecting…");
      this._scheduleReconnect();
    }

    // Back-off 1, 2, 4, … s up to 30 s between attempts, for as long as the person wants the sensor.
    _scheduleReconnect() {
      this._cancelRetry();
      const delayS = this.retryDelayS;
      this.retryDelayS = Math.min(MAX_BACKOFF_S, this.retryDelayS * 2);
      this.retryTimer = setTimeout(async () => {
        this.retryTimer = null;
        if (!this.wanted || !this.device) return;
        this.attempt += 1;
        this.report("reconnecting", "Sensor disconnected — reconnecting (attempt " + this.attempt + ")…");
        try {
          await this._connect();
        } catch {
          if (!this.wanted) return;
          if (this.device.gatt.connected) this.device.gatt.disconnect();
          this.report("disconnected", "Sensor disconnected — reconnecting in " + this.retryDelayS + " s. Keep the trainer close and switched on.");
          this._scheduleReconnect();
        }
      }, delayS * 1000);
    }

    _announceGone() {
      if (this.announced) this.send({ type: "sensor", state: "disconnected" });
      this.announced = false;
    }

    _cancelRetry() {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }

    _forget() {
      this._cancelRetry();
      this._stopStreams();
      if (this.device) {
        this.device.removeEventListener("gattserverdisconnected", this.onDisconnected);
        if (this.device.gatt.connected) this.device.gatt.disconnect();
      }
      this._announceGone();
      this.device = null;
    }
  }

  window.pelvicoreWebBle = { BrowserSensor, supported, requestOptions, explain, hex };
})();
