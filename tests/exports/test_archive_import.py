"""Her archive moves with her: export, import into another database, export again gives the same files.

On SQLite and PostgreSQL; every refusal (damaged, foreign, clashing) imports nothing.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, select
from stored_sessions import store_simulated
from typer.testing import CliRunner

from pelvicore.accounts import Accounts
from pelvicore.care.diary import parse_entry
from pelvicore.care.profile import parse_profile
from pelvicore.care.records import CareRecords
from pelvicore.cli import app
from pelvicore.exports.archive import build_archive
from pelvicore.exports.archive_import import ArchiveError, import_archive, read_archive
from pelvicore.store import SessionStore, make_engine, migrate
from pelvicore.store.accounts import AccountStore
from pelvicore.store.care import CareStore
from pelvicore.store.clinic import ClinicStore
from pelvicore.store.models import (
    AuditEvent,
    CareProfileRow,
    Chunk,
    Device,
    DiaryEntryRow,
    Event,
    LiveSession,
    TrainingPlanRow,
    User,
)  # fmt: skip
from pelvicore.store.plans import PlanStore
from pelvicore.store.shares import ShareStore
from pelvicore.training.plan import AssessmentSummary
from pelvicore.training.plan_records import Plans
from pelvicore.training.programme import new_plan

TABLES = (User, LiveSession, Chunk, Event, Device, CareProfileRow, DiaryEntryRow, TrainingPlanRow, AuditEvent)
NOT_ROUND_TRIPPED = {"README.txt", "audit.json", "sharing/shares.json", "sharing/messages.json"}


@pytest.fixture
def target(second_db_url: str) -> Iterator[Engine]:
    engine = make_engine(second_db_url)
    migrate(engine)
    yield engine
    engine.dispose()


def her_record(engine: Engine) -> tuple[int, list[str]]:
    """The local owner with a bit of everything: four kinds of session, diary, profile, plan, trainer, log, share."""
    accounts = Accounts(AccountStore(engine))
    owner = accounts.local_owner(create=True)
    assert owner is not None
    store = SessionStore(engine)
    ids = [
        store_simulated(store, owner.id, "quick-check", seed=1),  # pressure, two zones
        store_simulated(store, owner.id, "quick-check", seed=2, signals="emg"),
        store_simulated(store, owner.id, "quick-check", seed=3, unit="raw"),
    ]
    rng = np.random.default_rng(0)
    gap = store.create_session(owner.id, source="file", profile=None, routine="daily", speed=1.0, fs_hz=97.65625,
                               units={"pressure": "cmH2O"})  # fmt: skip
    store.append_chunk(gap, 0, {"pressure": rng.normal(20, 5, 300)})
    store.append_chunk(gap, 412, {"pressure": rng.normal(20, 5, 200) * np.pi})
    store.append_events(gap, [{"kind": "warning", "t_s": 3.1, "text": "signal lost", "share": 1 / 3}])
    store.finish(gap, "stopped", {"count": 0, "note": "gap"}, reason="stopped by her")
    ids.append(gap)
    care = CareRecords(CareStore(engine))
    care.save_profile(owner.id, parse_profile({"age": 58, "weight_kg": 64.5, "menopause_status": "post"}))
    for day, pain in ((date(2026, 2, 1), 3), (date(2026, 2, 2), 5)):
        care.add_entry(owner.id, parse_entry({"date": day.isoformat(), "pain": pain, "where": ["lower_back"],
                                              "sleep_hours": 6.5, "leaking_episodes": 1}))  # fmt: skip
    plan = new_plan(AssessmentSummary(20, 3, 6, "cmH2O"), "strength", start=date(2026, 2, 2))
    Plans(PlanStore(engine)).save(owner.id, plan, reminders=[time(7, 30), time(18, 0)])
    store.save_calibration(owner.id, "perifit", "C0:FF:EE:00:00:01", rest=1.25, mvc=30.1, unit="cmH2O")
    accounts.store.add_audit(owner.id, "sign-in", actor_id=owner.id, actor="local", detail="link")
    clinician = accounts.store.create_user("dr@clinic.example", email="dr@clinic.example", role="clinician",
                                           password_hash=None)  # fmt: skip
    now = datetime.now(UTC)
    ShareStore(engine).create_share(owner.id, clinician.id, training=True, care=False, in_clinic=False, at=now,
                                    expires_at=now.replace(year=now.year + 1))  # fmt: skip
    ClinicStore(engine).add_message(owner.id, clinician.id, "See you Tuesday", from_clinician=True, at=now)
    accounts.store.add_audit(owner.id, "read", actor_id=clinician.id, actor="dr@clinic.example", detail="sessions")
    return owner.id, ids


def export(engine: Engine, user_id: int) -> bytes:
    user = AccountStore(engine).get_user(user_id)
    assert user is not None
    return build_archive(user, sessions=SessionStore(engine), care=CareRecords(CareStore(engine)),
                         plans=Plans(PlanStore(engine)), accounts=AccountStore(engine))  # fmt: skip


def files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as db:
        return {t.__tablename__: int(db.scalar(select(func.count()).select_from(t)) or 0) for t in TABLES}


def local_owner(engine: Engine) -> int:
    owner = Accounts(AccountStore(engine)).local_owner(create=True)
    assert owner is not None
    return owner.id


def rezip(original: bytes, **changes: bytes | None) -> bytes:
    """The archive with files replaced (None: left out); names use __ for /."""
    contents = files(original)
    for name, data in changes.items():
        name = name.replace("__", "/").replace("_dot_", ".")
        if data is None:
            contents.pop(name)
        else:
            contents[name] = data
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in contents.items():
            zf.writestr(name, data)
    return buffer.getvalue()


# -- the round trip -------------------------------------------------------------------------------------------------
def test_export_import_export_gives_the_same_archive(engine: Engine, target: Engine) -> None:
    her, ids = her_record(engine)
    first = export(engine, her)
    summary = import_archive(read_archive(first), engine=target, user_id=local_owner(target))
    assert (summary.sessions, summary.diary_days, summary.profile, summary.plan, summary.devices) == (4, 2, 1, 1, 1)
    assert (summary.shares_left_out, summary.messages_left_out) == (1, 1)
    assert summary.samples == sum(SessionStore(engine).load_trace(i, owner=her)[2].size for i in ids)
    again = files(export(target, local_owner(target)))
    before = files(first)
    assert set(again) == set(before)
    for name in sorted(set(before) - NOT_ROUND_TRIPPED):
        assert again[name] == before[name], name
    # Her log: every old line, and one more saying the archive came in.
    old, new = json.loads(before["audit.json"]), json.loads(again["audit.json"])
    assert new[1:] == old and new[0]["action"] == "archive imported"
    assert "4 sessions" in new[0]["detail"] and "not imported" in new[0]["detail"]
    assert json.loads(again["sharing/shares.json"]) == json.loads(again["sharing/messages.json"]) == []
    # The very samples and events, gaps where they were.
    source, moved = SessionStore(engine), SessionStore(target)
    owner = local_owner(target)
    for session_id in ids:
        fs, channels, index = source.load_trace(session_id, owner=her)
        fs2, channels2, index2 = moved.load_trace(session_id, owner=owner)
        assert fs == fs2 and list(channels) == list(channels2)
        np.testing.assert_array_equal(index, index2)
        for name in channels:
            np.testing.assert_array_equal(channels[name], channels2[name], strict=True)
        assert source.get_events(session_id, owner=her) == moved.get_events(session_id, owner=owner)
        assert source.get(session_id, owner=her) == moved.get(session_id, owner=owner)
    _, _, gap_index = moved.load_trace(ids[-1], owner=owner)
    assert np.flatnonzero(np.diff(gap_index) > 1).tolist() == [299] and gap_index[300] == 412


# -- refusals: each one imports nothing -----------------------------------------------------------------------------
def test_damaged_or_foreign_archives_are_refused_with_one_line(engine: Engine, target: Engine) -> None:
    her, ids = her_record(engine)
    good = export(engine, her)
    csv_name = f"sessions/{ids[0]}.csv"
    trace = files(good)[csv_name]
    record = json.loads(files(good)[f"sessions/{ids[0]}.json"])
    lines = trace.decode().split("\n")
    foreign = io.BytesIO()
    with zipfile.ZipFile(foreign, "w") as zf:
        zf.writestr("photos/holiday.jpg", b"\xff\xd8\xff")
    # A contraction hand-edited down to its peak, in its events and its list alike.
    damaged = json.loads(json.dumps(record))
    event = next(e for e in damaged["events"] if e["kind"] == "contraction")
    listed = next(c for c in damaged["contractions"] if c["t_s"] == event["t_s"])
    for entry in (event, listed):
        for key in set(entry) - {"kind", "t_s", "peak"}:
            del entry[key]
    cases = {
        "not a zip": (b"PK\x03\x04 this is not really a zip", "not a zip file"),
        "damaged contraction": (
            rezip(good, **{_key(f"sessions/{ids[0]}.json"): json.dumps(damaged).encode()}),
            f"sessions/{ids[0]}.json: the contraction at {event['t_s']} s: a contraction needs 'channel'",
        ),
        "cut short": (good[: len(good) // 2], "not a zip file"),
        "foreign": (foreign.getvalue(), "not a pelvicore archive"),
        "missing file": (rezip(good, care__diary_dot_json=None), "care/diary.json: missing"),
        "missing trace": (rezip(good, **{_key(csv_name): None}), csv_name),
        "truncated CSV": (rezip(good, **{_key(csv_name): trace[: len(trace) // 2]}), csv_name),
        "NaN": (rezip(good, **{_key(csv_name): _swap(lines, 5, "nan")}), f"{csv_name}: line 5"),
        "text": (rezip(good, **{_key(csv_name): _swap(lines, 7, "lots")}), f"{csv_name}: line 7"),
        "short row": (rezip(good, **{_key(csv_name): _drop_cell(lines, 4)}), f"{csv_name}: line 4: expected 3"),
        "tampered JSON": (
            rezip(good, **{_key(f"sessions/{ids[0]}.json"): json.dumps(record | {"fs_hz": -1}).encode()}),
            f"sessions/{ids[0]}.json: fs_hz",
        ),
        "tampered count": (
            rezip(good, **{_key(f"sessions/{ids[0]}.json"): json.dumps(record | {"contraction_count": 99}).encode()}),
            "sessions/index.json",
        ),
        "infinite JSON": (rezip(good, devices_dot_json=b'[{"rest": Infinity}]'), "devices.json: Infinity"),
        "bad id": (rezip(good, **{"sessions__x_dot_csv": b"t_s\n"}), "sessions/x.csv: not a file"),
    }
    before = rows(target)
    for what, (data, phrase) in cases.items():
        with pytest.raises(ArchiveError) as caught:
            read_archive(data)
        message = str(caught.value)
        assert phrase in message and "\n" not in message, (what, message)
    assert rows(target) == before


def test_an_archive_already_there_or_clashing_is_refused_whole(engine: Engine, target: Engine) -> None:
    her, ids = her_record(engine)
    archive = read_archive(export(engine, her))
    owner = local_owner(target)
    import_archive(archive, engine=target, user_id=owner)
    before = rows(target)
    with pytest.raises(ArchiveError, match="is already on this server") as caught:
        import_archive(archive, engine=target, user_id=owner)
    assert str(caught.value).split()[1] in ids
    assert rows(target) == before
    # Into another account: the sessions clash (ids are the server's), so nothing of the diary lands either.
    other = AccountStore(target).create_user("b@x.example", email="b@x.example", role="person", password_hash=None)
    with pytest.raises(ArchiveError, match="already on this server"):
        import_archive(archive, engine=target, user_id=other.id)
    assert rows(target) == before | {"users": before["users"] + 1}


def test_her_plan_profile_or_diary_days_clash(engine: Engine, target: Engine) -> None:
    her, _ = her_record(engine)
    owner = local_owner(target)
    care = CareRecords(CareStore(target))
    care.add_entry(owner, parse_entry({"date": "2026-02-02", "pain": 1}))
    before = rows(target)
    with pytest.raises(ArchiveError, match="diary has 1 of the same days already: 2026-02-02"):
        import_archive(read_archive(export(engine, her)), engine=target, user_id=owner)
    assert rows(target) == before


# -- the command line -----------------------------------------------------------------------------------------------
def test_pelvicore_import_prints_what_came_in_and_refuses_in_one_line(
    engine: Engine, target: Engine, second_db_url: str, tmp_path: Path
) -> None:
    her, _ = her_record(engine)
    archive = tmp_path / "hers.zip"
    archive.write_bytes(export(engine, her))
    runner = CliRunner()
    done = runner.invoke(app, ["import", str(archive), "--database-url", second_db_url])
    assert done.exit_code == 0, done.output
    for phrase in ("imported", "sessions: 4", "diary days: 2", "training plan: yes", "not imported: 1 shares"):
        assert phrase in done.output
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"nothing here")
    refused = runner.invoke(app, ["import", str(bad), "--database-url", second_db_url])
    assert refused.exit_code == 2
    assert refused.stderr.strip() == f"pelvicore: error: {bad}: not a zip file (or a damaged one: cut short?)"
    again = runner.invoke(app, ["import", str(archive), "--database-url", second_db_url])
    assert again.exit_code == 2 and "already on this server" in again.stderr and again.stderr.count("\n") == 1
    # Another email than the archive's is refused; the archive's own makes her account (here: it clashes, so not).
    stranger = runner.invoke(app, ["import", str(archive), "--user", "x@y.example", "--database-url", second_db_url])
    assert stranger.exit_code == 2 and "make the account first" in stranger.stderr
    users = rows(target)["users"]
    local = runner.invoke(app, ["import", str(archive), "--user", "local", "--database-url", second_db_url])
    assert local.exit_code == 2
    assert rows(target)["users"] == users


def _key(name: str) -> str:
    return name.replace("/", "__").replace(".", "_dot_")


def _swap(lines: list[str], line: int, value: str) -> bytes:
    changed = list(lines)
    cells = changed[line - 1].split(",")
    changed[line - 1] = ",".join([cells[0], value, *cells[2:]])
    return "\n".join(changed).encode()


def _drop_cell(lines: list[str], line: int) -> bytes:
    changed = list(lines)
    changed[line - 1] = ",".join(changed[line - 1].split(",")[:-1])
    return "\n".join(changed).encode()


def test_any_damage_gives_an_archive_or_one_clear_line(tmp_path: Path) -> None:
    """Flipped bytes in the zip, or in a file inside it: read, or refused by ArchiveError; never another error."""
    engine = make_engine(f"sqlite:///{tmp_path / 'fuzz.sqlite3'}")
    migrate(engine)
    store = SessionStore(engine)
    her = local_owner(engine)
    session_id = store_simulated(store, her, "quick-check", seed=4)
    good = export(engine, her)
    engine.dispose()
    inner = files(good)
    rng = np.random.default_rng(0)
    for _ in range(150):
        damaged = bytearray(good)
        damaged[rng.integers(len(damaged))] ^= 1 << int(rng.integers(8))
        name = str(rng.choice([f"sessions/{session_id}.csv", f"sessions/{session_id}.json", "account.json"]))
        content = bytearray(inner[name])
        content[rng.integers(len(content))] = int(rng.choice(list(b'0123456789.,-e"{}[]\n x')))
        for data in (bytes(damaged), rezip(good, **{_key(name): bytes(content)})):
            try:
                read_archive(data)
            except ArchiveError as exc:
                assert "\n" not in str(exc)


def test_export_all_then_import_makes_her_account_from_the_archives_email(
    db_url: str, engine: Engine, target: Engine, second_db_url: str, tmp_path: Path
) -> None:
    accounts = AccountStore(engine)
    hers = accounts.create_user("her@x.example", email="her@x.example", role="person", password_hash=None)
    session_id = store_simulated(SessionStore(engine), hers.id, "quick-check", seed=7)
    out = tmp_path / "hers.zip"
    runner = CliRunner()
    written = runner.invoke(app, ["export", "--all", "--out", str(out), "--user", "her@x.example",
                                  "--database-url", db_url])  # fmt: skip
    assert written.exit_code == 0, written.output
    assert any(a.action == "export" for a in accounts.list_audit(hers.id))
    done = runner.invoke(app, ["import", str(out), "--user", "HER@x.example", "--database-url", second_db_url])
    assert done.exit_code == 0, done.output
    assert "(a new account)" in done.output and "sessions: 1" in done.output
    moved = AccountStore(target).find_user(email="her@x.example")
    assert moved is not None and moved.role == "person" and not moved.has_password
    assert moved.created_at == hers.created_at  # her account dates from when she first made it
    assert SessionStore(target).get(session_id, owner=moved.id) is not None
