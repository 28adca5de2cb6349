"""Care records on SQLite and PostgreSQL: profiles and diary entries saved, replaced, listed, deleted, read back
as valid objects; the store keeps them as data."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import Engine, text, update

from pelvicore.care.diary import DiaryEntry, parse_entry
from pelvicore.care.instruments import odi, start_back
from pelvicore.care.profile import CareProfile
from pelvicore.care.records import CareRecords
from pelvicore.store import SessionStore, StoreError
from pelvicore.store.care import CareStore, DiaryDateTakenError, DiaryRow
from pelvicore.store.models import CareProfileRow, DiaryEntryRow

D0 = dt.date(2025, 3, 3)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


@pytest.fixture
def care(engine: Engine) -> CareRecords:
    return CareRecords(CareStore(engine))


@pytest.fixture
def user(store: SessionStore) -> int:
    return store.ensure_user("maria")


def test_profile_save_get_replace_delete(care: CareRecords, user: int) -> None:
    assert care.get_profile(user) is None
    profile = CareProfile(age=58, weight_kg=64.5, menopause_status="post", goals=("less_back_pain",))
    care.save_profile(user, profile)
    assert care.get_profile(user) == profile
    changed = CareProfile(age=59, osteoporosis=True)
    care.save_profile(user, changed)
    assert care.get_profile(user) == changed
    assert care.delete_profile(user) is True
    assert care.get_profile(user) is None and care.delete_profile(user) is False


def test_profiles_belong_to_one_user(care: CareRecords, store: SessionStore) -> None:
    alice, bea = store.ensure_user("alice"), store.ensure_user("bea")
    care.save_profile(alice, CareProfile(age=50))
    assert care.get_profile(bea) is None
    with pytest.raises(StoreError, match="unknown user id 999"):
        care.save_profile(999, CareProfile())


def test_entries_add_get_and_list_by_date_range(care: CareRecords, user: int) -> None:
    for n in (2, 0, 1, 5):
        care.add_entry(user, DiaryEntry(day(n), pain=n, leaking_episodes=1))
    assert [e.date for e in care.list_entries(user)] == [day(0), day(1), day(2), day(5)]
    assert [e.date for e in care.list_entries(user, start=day(1), end=day(2))] == [day(1), day(2)]
    assert [e.date for e in care.list_entries(user, start=day(3))] == [day(5)]
    assert [e.date for e in care.list_entries(user, end=day(0))] == [day(0)]
    assert care.get_entry(user, day(2)) == DiaryEntry(day(2), pain=2, leaking_episodes=1)
    assert care.get_entry(user, day(3)) is None


def test_a_full_entry_round_trips(care: CareRecords, user: int) -> None:
    entry = DiaryEntry(
        D0,
        pain=6,
        peg=(6, 5, 4),
        where=("lower_back", "radiating_hips_legs"),
        stiffness="morning",
        leg_tingling_or_numbness=True,
        leaking_episodes=3,
        sleep_hours=6.5,
        signs=("fever",),
        instruments=(odi(sections=[1, 2, None, 3, 2, 1, 0, 2, 1, 1]), start_back([True] * 8, "extremely")),
    )
    care.add_entry(user, entry)
    assert care.get_entry(user, D0) == entry


def test_one_entry_per_day_and_replacing_it(care: CareRecords, user: int, engine: Engine) -> None:
    care.add_entry(user, DiaryEntry(D0, pain=3))
    with pytest.raises(DiaryDateTakenError, match="already a diary entry for 2025-03-03; replace it"):
        care.add_entry(user, DiaryEntry(D0, pain=5))
    assert care.replace_entry(user, DiaryEntry(D0, pain=5, sleep_hours=7)) is True
    assert care.replace_entry(user, DiaryEntry(day(1), pain=1)) is False  # a new day: added
    assert [e.pain for e in care.list_entries(user)] == [5, 1]
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT pain, sleep_hours FROM diary_entries ORDER BY entry_date")).all()
    assert [tuple(r) for r in rows] == [(5, 7.0), (1, None)]  # the query columns follow the payload


def test_the_same_day_for_two_users(care: CareRecords, store: SessionStore) -> None:
    alice, bea = store.ensure_user("alice"), store.ensure_user("bea")
    care.add_entry(alice, DiaryEntry(D0, pain=2))
    care.add_entry(bea, DiaryEntry(D0, pain=7))
    assert [e.pain for e in care.list_entries(alice)] == [2]
    assert [e.pain for e in care.list_entries(bea)] == [7]


def test_delete_entry(care: CareRecords, user: int) -> None:
    care.add_entry(user, DiaryEntry(D0, pain=3))
    assert care.delete_entry(user, D0) is True
    assert care.delete_entry(user, D0) is False
    assert care.list_entries(user) == []


def test_bad_calls(care: CareRecords, user: int) -> None:
    with pytest.raises(StoreError, match="unknown user id 999"):
        care.add_entry(999, DiaryEntry(D0))
    with pytest.raises(StoreError, match="expected a DiaryEntry"):
        care.add_entry(user, {"date": "2025-03-03"})  # type: ignore[arg-type]


def test_an_unreadable_stored_payload_is_a_store_error(care: CareRecords, user: int, engine: Engine) -> None:
    care.add_entry(user, DiaryEntry(D0, pain=3))
    care.save_profile(user, CareProfile(age=60))
    with engine.begin() as connection:
        connection.execute(update(DiaryEntryRow).values(payload={"date": "2025-03-03", "pain": 99}))
        connection.execute(update(CareProfileRow).values(data={"age": "sixty"}))
    with pytest.raises(StoreError, match="diary entry 2025-03-03 is unreadable: pain: must be 0-10"):
        care.list_entries(user)
    with pytest.raises(StoreError, match="stored care profile is unreadable: age"):
        care.get_profile(user)


def test_deleting_the_user_deletes_her_care_records(care: CareRecords, user: int, engine: Engine) -> None:
    care.save_profile(user, CareProfile(age=60))
    care.add_entry(user, DiaryEntry(D0, pain=3))
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM users WHERE id = :id"), {"id": user})
    assert care.get_profile(user) is None and care.list_entries(user) == []


def test_concurrent_replacements_of_one_day_leave_one_entry(care: CareRecords, user: int) -> None:
    errors: list[BaseException] = []

    def write(pain: int) -> None:
        try:
            care.replace_entry(user, parse_entry({"date": "2025-03-03", "pain": pain}))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(p,)) for p in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    entries = care.list_entries(user)
    assert len(entries) == 1 and entries[0].pain in range(6)


def test_the_store_keeps_an_entry_as_its_json_and_columns(engine: Engine, user: int) -> None:
    rows = CareStore(engine)
    rows.add_entry(user, DiaryRow(day(0), {"date": day(0).isoformat(), "pain": 4}, pain=4))
    assert rows.get_entry(user, day(0)) == {"date": "2025-03-03", "pain": 4}
    assert rows.list_entries(user) == [(day(0), {"date": "2025-03-03", "pain": 4})]
    with pytest.raises(DiaryDateTakenError):
        rows.add_entry(user, DiaryRow(day(0), {}))
    with pytest.raises(StoreError, match="DiaryRow"):
        rows.add_entry(user, {"date": "2025-03-04"})  # type: ignore[arg-type]
    with engine.connect() as db:
        assert db.execute(text("SELECT pain FROM diary_entries")).scalar_one() == 4
