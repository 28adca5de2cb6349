"""Her archive: one zip of everything she owns, readable without pelvicore.

``README.txt`` says what each file is; records are JSON, each session's trace a CSV that ``pelvicore analyze``
reads (``t_s`` then one ``<channel>_<unit>`` column per channel; lost samples are missing rows). Samples are written
with every digit their value needs, so ``pelvicore import`` (``archive_import``) reads back exactly what was stored.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import asdict
from datetime import UTC, date, datetime, time
from typing import Any

import numpy as np
import numpy.typing as npt

from pelvicore.care.records import CareRecords
from pelvicore.errors import PelvicoreError
from pelvicore.recordings.model import canonical_unit
from pelvicore.store.accounts import AccountStore, UserRecord
from pelvicore.store.clinic import ClinicStore
from pelvicore.store.repository import SessionStore
from pelvicore.store.shares import ShareStore
from pelvicore.training.plan_json import plan_to_dict
from pelvicore.training.plan_records import Plans

MAX_SESSIONS = 100_000

README = """pelvicore archive of {who}, made {made} (UTC)
=================================================================

Everything this account holds on the pelvicore server, as plain files.

account.json            Your account: name, email, role, when it was made (not its number on this server).
sessions/index.json     Every session: when, routine, sensor, status, sampling rate, units, summary.
sessions/<id>.json      One session: its details, every contraction, cue, warning and sensor event
                        (each with t_s, seconds from the start of the recording).
sessions/<id>.csv       Its recorded signal: t_s (seconds) then one column per channel, named
                        <channel>_<unit> (cmh2o: cm of water; uv: microvolts; raw: the trainer's own
                        counts, not calibrated), each value with every digit it needs to be read
                        back exactly. A jump in t_s is a stretch where samples were lost.
                        `pelvicore analyze sessions/<id>.csv` finds the contractions again.
devices.json            Your trainers and their calibration (rest and maximum, in their unit).
care/profile.json       Your back-care profile, if you saved one.
care/diary.json         Your symptom diary, one entry per day.
training/plan.json      Your training plan and reminder times, if you have one.
sharing/shares.json     Every share you made with a clinician: what, with whom, from when until when.
sharing/messages.json   Your messages with your clinicians, both ways.
audit.json              Your audit log: sign-ins, and every time someone else read your data.

A clinician's private notes about you are their clinical notes, kept by their clinic: ask them for a copy.

JSON files are UTF-8; times are ISO 8601 in UTC.

To move to another pelvicore: `pelvicore import this.zip` there reads it all back (not the sharing
files: shares and messages name clinicians of this server; share again from the new one).
"""


def build_archive(
    user: UserRecord,
    *,
    sessions: SessionStore,
    care: CareRecords,
    plans: Plans,
    accounts: AccountStore,
    now: datetime | None = None,
) -> bytes:
    """The zip of everything ``user`` owns, as bytes."""
    made = (now or datetime.now(UTC)).replace(microsecond=0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def put(name: str, data: str) -> None:
            info = zipfile.ZipInfo(name, date_time=made.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)

        put("README.txt", README.format(who=user.email or user.name, made=made.isoformat()))
        # Not its id: a number of this server's, meaningless where she takes the archive.
        put("account.json", _json({k: v for k, v in asdict(user).items() if k != "id"}))
        records = sessions.list_sessions(user.id, limit=MAX_SESSIONS)
        put("sessions/index.json", _json([asdict(r) for r in records]))
        for listed in records:
            record = sessions.get(listed.id, owner=user.id) or listed  # with its contractions
            events = sessions.get_events(record.id, owner=user.id)
            put(f"sessions/{record.id}.json", _json(asdict(record) | {"events": events}))
            fs_hz, channels, index = sessions.load_trace(record.id, owner=user.id)
            put(f"sessions/{record.id}.csv", trace_csv(fs_hz, channels, index, record.units))
        put("devices.json", _json([asdict(d) for d in sessions.list_devices(user.id)]))
        profile = care.get_profile(user.id)
        if profile is not None:
            put("care/profile.json", _json(profile.to_dict()))
        put("care/diary.json", _json([entry.to_dict() for entry in care.list_entries(user.id)]))
        stored = plans.get(user.id)
        if stored is not None:
            put(
                "training/plan.json",
                _json(
                    {
                        "plan": plan_to_dict(stored.plan),
                        "reminders": [t.strftime("%H:%M") for t in stored.reminders],
                        "week_started_at": stored.week_started_at,
                        "created_at": stored.created_at,
                        "updated_at": stored.updated_at,
                    }
                ),
            )
        put("sharing/shares.json", _json([asdict(s) for s in ShareStore(accounts.engine).of_user(user.id)]))
        put(
            "sharing/messages.json",
            _json([asdict(m) for m in ClinicStore(accounts.engine).messages(user.id, limit=100_000)]),
        )
        put("audit.json", _json([asdict(a) for a in accounts.list_audit(user.id, limit=100_000)]))
    return buffer.getvalue()


def trace_csv(
    fs_hz: float, channels: dict[str, npt.NDArray[np.float64]], index: npt.NDArray[np.int64], units: dict[str, str]
) -> str:
    """A stored trace as CSV text: ``t_s`` and one ``<channel>_<unit>`` column each; rows with a lost sample
    (NaN) are left out, so the reader sees a gap, as for samples never received.

    Samples are written as the shortest text that reads back as the same float64 (``repr``), so that an
    imported archive holds the very values stored; ``t_s`` with enough decimals to give each sample's number.
    """
    lines = [",".join(trace_columns(list(channels), units))]
    if index.size:
        values = np.column_stack(list(channels.values()))
        kept = np.isfinite(values).all(axis=1)
        time_format = f"%.{max(6, math.ceil(math.log10(max(fs_hz, 1.0))) + 3)}f"
        times = np.char.mod(time_format, index[kept] / fs_hz).tolist()
        rows = values[kept].tolist()
        lines.extend(f"{t},{','.join(map(repr, row))}" for t, row in zip(times, rows, strict=True))
    return "\n".join(lines) + "\n"


def trace_columns(channels: list[str], units: dict[str, str]) -> list[str]:
    """The header of a trace CSV: ``t_s``, then ``<channel>_<unit>`` (lower case; ``raw`` for an unknown unit)."""
    header = ["t_s"]
    for name in channels:
        try:
            unit = canonical_unit(units.get(name, "raw")).lower()
        except PelvicoreError:
            unit = "raw"
        header.append(f"{name}_{unit}")
    return header


def _json(value: Any) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False, default=_default, allow_nan=False) + "\n"


def _default(value: object) -> object:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
