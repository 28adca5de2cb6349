"""From a trainer's payloads to indexed frames, the same for every transport (host Bluetooth, Web Bluetooth).

``SampleStream`` decodes each payload with its profile, converts known units to cmH2O, gives every sample its
index (from the probe's own counter where there is one, the open profile; from arrival times otherwise), so that
samples lost in the air or during a disconnection show as a jump in index, and watches signal quality:
saturation, loss, a flat line. What it notices comes out as ``SensorStatus`` messages in plain words.

Units: 1 mmHg = 1.35951 cmH2O, 1 kPa = 10.1972 cmH2O (facts/devices.md, "Units").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from pelvicore.devices.profiles import femfit
from pelvicore.devices.profiles.base import DecodeError, DeviceProfile
from pelvicore.devices.profiles.perifit import SATURATION as PERIFIT_SATURATION
from pelvicore.signal.frames import TO_CMH2O, Frame

#: Readings at or above these are saturated (Perifit: maximum "probably 0x1400"; kGoal Boost: range 0-2000).
SATURATION = {"perifit": PERIFIT_SATURATION, "kgoal-boost": 2000}
#: Over each window this long, fewer than ``ARRIVAL_WARN`` of the expected samples means data is going missing.
ARRIVAL_WINDOW_S = 5.0
ARRIVAL_WARN = 0.8
#: Battery level (%) from which the person is told to charge the sensor.
LOW_BATTERY_PCT = 15
#: No change for this long while connected: the sensor is probably not inserted, or asleep.
FLAT_S = 8.0

StatusKind = Literal[
    "connecting", "connected", "disconnected", "reconnected", "unreachable", "battery", "rssi", "loss", "saturation",
    "flat", "bad-payload",
]  # fmt: skip


#: Rates a trainer of unknown rate is snapped to after counting its samples for a second.
USUAL_RATES_HZ = (5.0, 10.0, 12.5, 16.0, 20.0, 25.0, 32.0, 40.0, 50.0, 64.0, 100.0, 128.0, 200.0)


def snap_rate(count: int, seconds: float) -> float | None:
    """The usual rate nearest to ``count`` samples in ``seconds`` (on a log scale); ``None`` if too few to tell."""
    if count < 3 or seconds <= 0:
        return None
    measured = count / seconds
    return min(USUAL_RATES_HZ, key=lambda r: abs(math.log(r / measured)))


@dataclass(frozen=True, slots=True)
class SensorStatus:
    """Something about the sensor the person should know, in plain words."""

    kind: StatusKind
    text: str
    index: int = 0
    value: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "index": self.index, "value": self.value}

    # The news every transport gives in the same words.
    @classmethod
    def disconnected(cls, index: int) -> SensorStatus:
        return cls("disconnected", "Sensor disconnected — the session is paused; reconnecting…", index)

    @classmethod
    def reconnected(cls, index: int, away_s: float) -> SensorStatus:
        return cls("reconnected", f"Sensor back after {away_s:.1f} s — carrying on.", index, away_s)

    @classmethod
    def battery(cls, percent: float) -> SensorStatus:
        """Battery level in %, with a nudge to charge at 15 % or less."""
        low = " — charge it soon" if percent <= LOW_BATTERY_PCT else ""
        return cls("battery", f"Sensor battery {percent:.0f}%{low}.", value=float(percent))


def stream_units(profile: DeviceProfile) -> dict[str, str]:
    """The channels a profile's frames carry, with units after conversion to cmH2O where the unit is known."""
    units = {name: ("cmH2O" if unit in TO_CMH2O else unit) for name, unit in profile.units.items() if name != "counter"}
    if profile.name == "femfit":
        units = {"floor": "cmH2O", "abdomen": "cmH2O"} | units
    return units


@dataclass
class SampleClock:
    """Sample indices: consecutive while connected, jumping over the time a disconnection lasted.

    Bluetooth LE delivers notifications reliably while a link is up (the link layer retransmits), and a busy
    computer receives them late and in bursts, so a silence while connected is not taken as loss: only the
    time between a disconnection and the first sample after it becomes a gap. ``interval_s`` is the time per
    sample, already divided by any playback speed.
    """

    interval_s: float
    next_index: int = 0
    last_t: float | None = None
    _after_gap: bool = False

    def resume_after_gap(self) -> None:
        """The link was lost: the next samples are placed by the time that has passed since the last one."""
        self._after_gap = True

    def place(self, n: int, now: float) -> int:
        """Index of the first of ``n`` samples that arrived at ``now``."""
        first = self.next_index
        if self._after_gap and self.last_t is not None:
            first += max(0, round((now - self.last_t) / self.interval_s) - n)
        self._after_gap = False
        self.last_t = now
        self.next_index = first + n
        return first


@dataclass
class SampleStream:
    """Decode, convert, index and frame one trainer's payloads."""

    profile: DeviceProfile
    fs_hz: float
    time_scale: float = 1.0
    on_status: Callable[[SensorStatus], None] | None = None
    units: dict[str, str] = field(init=False)
    lost: int = 0
    received: int = 0

    def __post_init__(self) -> None:
        self.units = stream_units(self.profile)
        self.clock = SampleClock(1.0 / (self.fs_hz * self.time_scale))
        self._rows: list[tuple[int, list[float]]] = []
        self._names = list(self.units)
        self._femfit: dict[int, dict[str, list[float]]] = {}
        self._counter: int | None = None
        self._saturated = False
        self._flat_since: int | None = None
        self._flat_told = False
        self._last_value: float | None = None
        self._bad = 0
        self._expected: int | None = None
        self._window_t: float | None = None
        self._window_n = 0

    # -- input --------------------------------------------------------------------------------------
    def push(self, characteristic: str, payload: bytes, now: float) -> None:
        """One notification or read. A malformed payload is counted and reported, never raised."""
        try:
            samples = self._decode(characteristic.lower(), payload)
        except DecodeError as exc:
            self._bad += 1
            if self._bad in (1, 10, 100) or self._bad % 1000 == 0:
                self._tell("bad-payload", f"The sensor sent data pelvicore cannot read ({exc}); skipped.")
            return
        if samples is None:
            return
        n = len(next(iter(samples.values())))
        if n == 0:
            return
        first = self._place(samples, n, now)
        columns = [self._column(samples, name, n) for name in self._names]
        for i in range(n):
            self._rows.append((first + i, [c[i] for c in columns]))
        self.received += n
        self._watch(first, samples)
        self._watch_arrivals(n, now)

    def set_rate(self, fs_hz: float) -> None:
        """The rate measured after connecting; samples already indexed keep their indices."""
        self.fs_hz = fs_hz
        self.clock.interval_s = 1.0 / (fs_hz * self.time_scale)

    def restart(self) -> None:
        """A new connection: counters and partial femfit sets from before it no longer apply, and the time
        since the last sample becomes a gap."""
        self._counter = None
        self._expected = None
        self._femfit.clear()
        self.clock.resume_after_gap()
        self._window_t = None

    # -- output -------------------------------------------------------------------------------------
    def take_frames(self) -> list[Frame]:
        """Frames of every sample received since the last call, one per unbroken run of indices."""
        rows, self._rows = self._rows, []
        frames = []
        start = 0
        for k in range(1, len(rows) + 1):
            if k == len(rows) or rows[k][0] != rows[k - 1][0] + 1:
                block = np.array([r[1] for r in rows[start:k]], dtype=float).reshape(k - start, len(self._names))
                channels = {name: block[:, j] for j, name in enumerate(self._names)}
                frames.append(Frame(rows[start][0], self.fs_hz, channels, self.units))
                start = k
        return frames

    # -- internals ----------------------------------------------------------------------------------
    def _decode(self, characteristic: str, payload: bytes) -> dict[str, list[float]] | None:
        if self.profile.name != "femfit":
            return self.profile.decode(payload)
        chars = self.profile.characteristics
        pair = chars.index(characteristic) + 1 if characteristic in chars else 1
        self._femfit[pair] = femfit.decode_pair(payload, pair)
        if len(self._femfit) < 4:
            return None
        merged: dict[str, list[float]] = {}
        for part in self._femfit.values():
            merged |= part
        self._femfit.clear()
        zones = np.array([merged[f"zone{k}"] for k in range(1, 9)])
        # Zones 1-4 sit at the muscle, 7-8 deepest (abdominal pressure): the lift-versus-push reference.
        merged["floor"] = list(zones[0:4].mean(axis=0))
        merged["abdomen"] = list(zones[6:8].mean(axis=0))
        merged["temperature"] = merged["temperature"][0::2]
        return merged

    def _column(self, samples: dict[str, list[float]], name: str, n: int) -> list[float]:
        values = samples.get(name)
        if values is None or len(values) != n:
            return [math.nan] * n
        factor = TO_CMH2O.get(self.profile.units.get(name, ""), 1.0) if name in self.profile.units else 1.0
        if self.profile.name == "femfit" and name in ("floor", "abdomen"):
            factor = TO_CMH2O["mmHg"]
        return [v * factor for v in values]

    def _place(self, samples: dict[str, list[float]], n: int, now: float) -> int:
        counters = samples.get("counter")
        if counters is None:
            return self.clock.place(n, now)
        counter = int(counters[0])
        if self._counter is None:
            first = self.clock.place(n, now)
        else:
            skipped = (counter - self._counter) % 65536
            if skipped > 10 * self.fs_hz * 60:  # a counter that went backwards: the probe restarted
                first = self.clock.place(n, now)
            else:
                first = self.clock.next_index + skipped
                self.clock.next_index = first + n
                self.clock.last_t = now
        self._counter = (counter + n) % 65536
        return first

    def _watch(self, first: int, samples: dict[str, list[float]]) -> None:
        gap = 0 if self._expected is None else first - self._expected
        self._expected = first + len(next(iter(samples.values())))
        if gap > 0:
            self.lost += gap
            self._tell("loss", f"{gap / self.fs_hz:.1f} s of data did not arrive; the gap is marked.", first, gap)
        floor = samples.get("floor") or next(iter(samples.values()))
        top = SATURATION.get(self.profile.name)
        if top is not None:
            saturated = max(floor) >= top
            if saturated and not self._saturated:
                self._tell("saturation", "The sensor is at the top of its range: squeeze a little less hard.", first)
            self._saturated = saturated
        value = floor[-1]
        if self._last_value is not None and value == self._last_value and all(v == value for v in floor):
            if self._flat_since is None:
                self._flat_since = first
            elif not self._flat_told and first - self._flat_since >= FLAT_S * self.fs_hz:
                self._flat_told = True
                text = "The sensor reading has not changed: check it is inserted."
                if self.profile.name == "elvie":
                    text += " An Elvie needs a few squeezes to wake up."
                self._tell("flat", text, first)
        else:
            self._flat_since, self._flat_told = None, False
        self._last_value = value

    def _watch_arrivals(self, n: int, now: float) -> None:
        """Warn when clearly fewer samples arrive than the rate promises (a weak link drops notifications)."""
        if self._window_t is None or now < self._window_t:
            self._window_t, self._window_n = now, 0
            return
        self._window_n += n
        span = (now - self._window_t) * self.time_scale
        if span >= ARRIVAL_WINDOW_S:
            share = self._window_n / (span * self.fs_hz)
            if share < ARRIVAL_WARN:
                self._tell(
                    "loss",
                    f"Only {100 * share:.0f}% of the sensor's data arrived in the last {span:.0f} s: "
                    "bring the phone or computer closer to you.",
                    self.clock.next_index,
                    round(share, 3),
                )
            self._window_t, self._window_n = now, 0

    def _tell(self, kind: StatusKind, text: str, index: int = 0, value: float | None = None) -> None:
        if self.on_status is not None:
            self.on_status(SensorStatus(kind, text, index, value))
