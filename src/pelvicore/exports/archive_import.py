"""Her archive, read back: ``read_archive`` checks every file of the zip ``build_archive`` makes, and
``import_archive`` writes it all into one account, in one transaction, or nothing.

Everything is checked before anything is written: a damaged or foreign file raises ``ArchiveError`` with one line
naming the file and the problem. Shares and messages are not imported: they name clinicians of the old server.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Engine

from pelvicore.care.diary import parse_entry
from pelvicore.care.profile import parse_profile
from pelvicore.errors import PelvicoreError
from pelvicore.exports.archive import trace_columns
from pelvicore.exports.archive_files import AccountFile, AuditEntry, DeviceEntry, PlanFile, SessionEntry, SessionFile
from pelvicore.signal.events import Contraction
from pelvicore.store.accounts import AuditRecord
from pelvicore.store.care import DiaryRow
from pelvicore.store.imports import ImportClashError, ImportRows, ImportStore, SessionImport
from pelvicore.store.json_values import to_json_object
from pelvicore.store.plans import PlanRow
from pelvicore.store.repository import CUE, DeviceCalibration
from pelvicore.store.writes import CONTRACTION
from pelvicore.training.plan_json import plan_from_dict, plan_to_dict

MAX_FILE_BYTES: Final = 2**31
"""No file of an archive may unpack to more (a zip bomb is refused before it is read)."""
MAX_CHUNK_SAMPLES: Final = 8192
"""Samples per chunk written for a stretch of the trace without gaps."""
FIXED_FILES: Final = ("README.txt", "account.json", "sessions/index.json", "devices.json", "care/diary.json",
                      "sharing/shares.json", "sharing/messages.json", "audit.json")  # fmt: skip
OPTIONAL_FILES: Final = ("care/profile.json", "training/plan.json")
_GRID_TOLERANCE = 0.01  # of a sample: t_s is written with enough decimals to land far closer than this
_CLOCK = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")


class ArchiveError(PelvicoreError):
    """An archive that cannot be imported: damaged, not pelvicore's, or clashing with what the account holds."""


@dataclass(frozen=True, slots=True)
class Archive:
    """A checked archive, ready to import: whose it was (``account``: name, email, role, created_at as in
    account.json) and what it holds; ``shares`` and ``messages`` are only counted (they are not imported)."""

    name: str
    email: str | None
    role: str
    created_at: datetime
    sessions: tuple[SessionImport, ...]
    devices: tuple[DeviceCalibration, ...]
    profile: dict[str, Any] | None
    diary: tuple[DiaryRow, ...]
    plan: PlanRow | None
    audit: tuple[AuditRecord, ...]
    shares: int
    messages: int


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import wrote (``samples``: per channel, over all sessions) and what it left out."""

    sessions: int
    samples: int
    events: int
    diary_days: int
    profile: bool
    plan: bool
    devices: int
    audit_entries: int
    shares_left_out: int
    messages_left_out: int

    def describe(self) -> str:
        """A few lines for a person: what came in, and what did not and why."""
        yes = {True: "yes", False: "no"}
        return (
            f"sessions: {self.sessions} ({self.samples:,} samples, {self.events:,} events)\n"
            f"diary days: {self.diary_days}\ncare profile: {yes[self.profile]}\ntraining plan: {yes[self.plan]}\n"
            f"trainers: {self.devices}\naudit log lines: {self.audit_entries} (and one saying it was imported)\n"
            f"not imported: {self.shares_left_out} shares and {self.messages_left_out} messages (they name "
            "clinicians of the old server: share again from this one)"
        )


def read_archive(data: bytes) -> Archive:
    """Check and read every file of an archive made by ``build_archive``; ``ArchiveError`` names the first problem."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ArchiveError("not a zip file (or a damaged one: cut short?)") from None
    with zf:
        files = _contents(zf)
        account = _model(AccountFile, "account.json", files["account.json"])
        index = _model(TypeAdapter(list[SessionEntry]), "sessions/index.json", files["sessions/index.json"])
        sessions = tuple(_session(entry, files) for entry in index)
        devices = _model(TypeAdapter(list[DeviceEntry]), "devices.json", files["devices.json"])
        seen = set()
        for d in devices:
            if (d.profile, d.key) in seen:
                raise ArchiveError(f"devices.json: trainer {d.key!r} ({d.profile}) is listed twice")
            seen.add((d.profile, d.key))
        audit = _model(TypeAdapter(list[AuditEntry]), "audit.json", files["audit.json"])
        return Archive(
            name=account.name, email=account.email, role=account.role, created_at=account.created_at,
            sessions=sessions,
            devices=tuple(DeviceCalibration(d.profile, d.key, d.rest, d.mvc, d.unit, d.calibrated_at) for d in devices),
            profile=_profile(files.get("care/profile.json")), diary=_diary(files["care/diary.json"]),
            plan=_plan(files.get("training/plan.json")),
            audit=tuple(AuditRecord(a.at, a.actor, a.action, a.detail, a.address, a.by_owner) for a in audit),
            shares=_count("sharing/shares.json", files), messages=_count("sharing/messages.json", files),
        )  # fmt: skip


def import_archive(archive: Archive, *, engine: Engine, user_id: int, actor: str = "pelvicore import") -> ImportSummary:
    """Write everything ``archive`` holds into account ``user_id`` in one transaction, and one audit line saying so.

    ``ArchiveError`` (nothing written) if a session id is already on this server, or the account has a plan, a care
    profile, diary days or a trainer the archive also holds.
    """
    summary = ImportSummary(
        sessions=len(archive.sessions),
        samples=sum(samples.shape[1] for s in archive.sessions for _, samples in s.chunks),
        events=sum(len(s.events) for s in archive.sessions),
        diary_days=len(archive.diary), profile=archive.profile is not None, plan=archive.plan is not None,
        devices=len(archive.devices), audit_entries=len(archive.audit), shares_left_out=archive.shares,
        messages_left_out=archive.messages,
    )  # fmt: skip
    detail = (
        f"archive of {archive.email or archive.name}: {summary.sessions} sessions, {summary.diary_days} diary days"
        f"{', care profile' if summary.profile else ''}{', training plan' if summary.plan else ''}; "
        "shares and messages not imported"
    )
    rows = ImportRows(
        account_created_at=archive.created_at, sessions=archive.sessions, devices=archive.devices,
        profile=archive.profile, diary=archive.diary, plan=archive.plan, audit=archive.audit,
        note=("archive imported", detail),
    )  # fmt: skip
    try:
        ImportStore(engine).write(user_id, rows, actor=actor)
    except ImportClashError as exc:
        raise ArchiveError(str(exc)) from None
    return summary


# -- the files -------------------------------------------------------------------------------------------------------
def _contents(zf: zipfile.ZipFile) -> dict[str, bytes]:
    names = [info.filename for info in zf.infolist() if not info.is_dir() and not info.filename.startswith("__MACOSX/")]
    if "account.json" not in names or "README.txt" not in names:
        raise ArchiveError("not a pelvicore archive: it has no account.json or no README.txt at its top")
    files: dict[str, bytes] = {}
    for info in zf.infolist():
        if info.filename not in names:
            continue
        if info.file_size > MAX_FILE_BYTES:
            raise ArchiveError(f"{info.filename}: unpacks to {info.file_size:,} bytes, more than pelvicore reads")
        try:
            files[info.filename] = zf.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
            raise ArchiveError(f"{info.filename}: damaged in the zip ({exc})") from None
    if not files["README.txt"].startswith(b"pelvicore archive of "):
        raise ArchiveError("README.txt: not a pelvicore archive's (it should begin 'pelvicore archive of')")
    for name in FIXED_FILES:
        if name not in files:
            raise ArchiveError(f"{name}: missing from the archive")
    index = _json("sessions/index.json", files["sessions/index.json"])
    ids = [entry.get("id") for entry in index if isinstance(entry, dict)] if isinstance(index, list) else []
    expected = set(FIXED_FILES) | set(OPTIONAL_FILES) | {f"sessions/{i}.{x}" for i in ids for x in ("json", "csv")}
    for name in names:
        if name not in expected:
            raise ArchiveError(f"{name}: not a file of a pelvicore archive (or a session not in sessions/index.json)")
    return files


def _json(name: str, data: bytes) -> Any:
    def refuse(constant: str) -> None:
        raise ArchiveError(f"{name}: {constant} is not a number JSON allows (only finite numbers)")

    try:
        return json.loads(data.decode("utf-8"), parse_constant=refuse)
    except UnicodeDecodeError as exc:
        raise ArchiveError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ArchiveError(f"{name}: not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None


M = TypeVar("M")


def _model(model: type[M] | TypeAdapter[M], name: str, data: bytes) -> M:
    """Parse a JSON file strictly (``model``: a pydantic model, or an adapter for a list of them)."""
    _json(name, data)  # non-finite numbers and bad text first, with their own message
    adapter = model if isinstance(model, TypeAdapter) else TypeAdapter(model)
    try:
        return adapter.validate_json(data, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        raise ArchiveError(f"{name}: {where}: {first['msg']}, got {str(first.get('input'))[:60]!r}") from None


def _count(name: str, files: dict[str, bytes]) -> int:
    value = _json(name, files[name])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ArchiveError(f"{name}: expected a list of objects")
    return len(value)


def _session(entry: SessionEntry, files: dict[str, bytes]) -> SessionImport:
    name = f"sessions/{entry.id}.json"
    if name not in files or f"sessions/{entry.id}.csv" not in files:
        missing = name if name not in files else f"sessions/{entry.id}.csv"
        raise ArchiveError(f"{missing}: missing from the archive (sessions/index.json lists session {entry.id})")
    record = _model(SessionFile, name, files[name])
    listed = record.model_dump(exclude={"events"}) | {"contractions": [], "cues": []}
    differing = [key for key, value in entry.model_dump().items() if listed[key] != value]
    if differing:
        raise ArchiveError(f"sessions/index.json: session {entry.id}: {differing[0]} differs from {name}'s")
    events = [(e.kind, e.t_s, to_json_object(e.model_extra or {}, name)) for e in record.events]
    for kind, listed_as in ((CONTRACTION, record.contractions), (CUE, record.cues)):
        if [{"t_s": t_s, **payload} for k, t_s, payload in events if k == kind] != listed_as:
            raise ArchiveError(f"{name}: its {kind} list differs from its {kind} events")
    for kind, t_s, payload in events:
        if kind == CONTRACTION:
            try:
                Contraction.from_dict(payload)
            except ValueError as exc:
                raise ArchiveError(f"{name}: the contraction at {t_s} s: {exc}") from None
    if record.contraction_count != sum(k == CONTRACTION for k, _, _ in events):
        raise ArchiveError(f"{name}: contraction_count {record.contraction_count} differs from its contraction events")
    csv_name = f"sessions/{entry.id}.csv"
    chunks, last_t_s = _trace(csv_name, files[csv_name], record.fs_hz, trace_columns(list(record.units), record.units))
    status, ended_at = record.status, record.ended_at
    if status == "running":  # exported mid-session: here it can only be what a crash leaves, interrupted
        status, ended_at = "interrupted", record.created_at + timedelta(seconds=last_t_s)
    return SessionImport(
        id=record.id, source=record.source, profile=record.profile, routine=record.routine, steps=record.steps,
        speed=record.speed, status=status, end_reason=record.end_reason, created_at=record.created_at,
        ended_at=ended_at, fs_hz=record.fs_hz, units=dict(record.units), summary=record.summary,
        contraction_count=record.contraction_count, seed=record.seed, live_view=record.live_view,
        recorded_by=record.recorded_by, chunks=chunks, events=events,
    )  # fmt: skip


def _trace(
    name: str, data: bytes, fs_hz: float, header: list[str]
) -> tuple[list[tuple[int, npt.NDArray[np.float64]]], float]:
    """A trace CSV as chunks (first sample number, samples of shape (n_channels, n)), and its last t_s."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArchiveError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    if not text:
        raise ArchiveError(f"{name}: empty, expected the header {','.join(header)}")
    if not text.endswith("\n"):
        raise ArchiveError(f"{name}: its last line has no end: the file is cut short")
    lines = text[:-1].split("\n")
    if lines[0].rstrip("\r") != ",".join(header):
        raise ArchiveError(f"{name}: line 1: expected the header {','.join(header)} (as its .json units), "
                           f"got {lines[0][:80]!r}")  # fmt: skip
    rows: list[list[float]] = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.rstrip("\r").split(",")
        if len(cells) != len(header):
            raise ArchiveError(f"{name}: line {number}: expected {len(header)} columns, got {len(cells)}")
        try:
            rows.append([float(cell) for cell in cells])
        except ValueError:
            column, cell = next((c, v) for c, v in zip(header, cells, strict=True) if not _is_number(v))
            raise ArchiveError(f"{name}: line {number}: {column}: expected a number, got {cell[:40]!r}") from None
    if not rows:
        return [], 0.0
    table = np.array(rows, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(table).all(axis=1))
    if bad.size:
        raise ArchiveError(f"{name}: line {bad[0] + 2}: every value must be a finite number, got {lines[bad[0] + 1]!r}")
    position = table[:, 0] * fs_hz
    index = np.rint(position)
    off = np.flatnonzero((np.abs(position - index) > _GRID_TOLERANCE) | (index < 0))
    if off.size:
        raise ArchiveError(f"{name}: line {off[0] + 2}: t_s {table[off[0], 0]!r} is not a sample time at {fs_hz} Hz")
    steps = np.diff(index)
    back = np.flatnonzero(steps < 1)
    if back.size:
        raise ArchiveError(f"{name}: line {back[0] + 3}: t_s goes back or repeats")
    starts = [0, *(np.flatnonzero(steps > 1) + 1).tolist(), len(index)]
    chunks = []
    for begin, end in itertools.pairwise(starts):
        for first in range(begin, end, MAX_CHUNK_SAMPLES):
            last = min(first + MAX_CHUNK_SAMPLES, end)
            chunks.append((int(index[first]), np.ascontiguousarray(table[first:last, 1:].T)))
    return chunks, float(table[-1, 0])


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


# -- care and plan ---------------------------------------------------------------------------------------------------
def _profile(data: bytes | None) -> dict[str, Any] | None:
    if data is None:
        return None
    try:
        return to_json_object(parse_profile(_json("care/profile.json", data)).to_dict(), "care/profile.json")
    except PelvicoreError as exc:
        raise ArchiveError(f"care/profile.json: {exc}") from None


def _diary(data: bytes) -> tuple[DiaryRow, ...]:
    items = _json("care/diary.json", data)
    if not isinstance(items, list):
        raise ArchiveError("care/diary.json: expected a list of entries")
    rows: dict[Any, DiaryRow] = {}
    for number, item in enumerate(items, start=1):
        try:
            entry = parse_entry(item)
        except PelvicoreError as exc:
            raise ArchiveError(f"care/diary.json: entry {number}: {exc}") from None
        if entry.date in rows:
            raise ArchiveError(f"care/diary.json: entry {number}: a second entry for {entry.date.isoformat()}")
        payload = to_json_object(entry.to_dict(), "care/diary.json")
        rows[entry.date] = DiaryRow(entry.date, payload, entry.pain, entry.leaking_episodes, entry.sleep_hours)
    return tuple(rows.values())


def _plan(data: bytes | None) -> PlanRow | None:
    if data is None:
        return None
    stored = _model(PlanFile, "training/plan.json", data)
    try:
        plan = to_json_object(plan_to_dict(plan_from_dict(stored.plan)), "training/plan.json")
    except PelvicoreError as exc:
        raise ArchiveError(f"training/plan.json: plan: {exc}") from None
    times = sorted(stored.reminders)
    if not all(_CLOCK.fullmatch(t) for t in times) or len(set(times)) != len(times):
        raise ArchiveError(f"training/plan.json: reminders must be different HH:MM times, got {stored.reminders!r}")
    return PlanRow(plan, tuple(times), stored.week_started_at, stored.created_at, stored.updated_at)


__all__ = ["Archive", "ArchiveError", "ImportSummary", "import_archive", "read_archive"]
