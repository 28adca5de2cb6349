"""What the period report shows of her care: the pain trend (NPRS 0-10), leaking and sleep from her diary, the
questionnaires she scored, every red flag her diary raised with its reasons, and the bone screen.

Red flags are found as her diary found them when each entry was saved (:func:`pelvicore.care.diary.new_flags`
against the entries before it, then :func:`pelvicore.care.triage.triage`).
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from typing import Any

from pelvicore.care import sources as care_sources
from pelvicore.care.bone import BoneInputError, screen_bone_risk
from pelvicore.care.diary import DiaryEntry, new_flags
from pelvicore.care.instruments import NPRS_IMPORTANT_CHANGE
from pelvicore.care.records import CareRecords
from pelvicore.care.triage import triage
from pelvicore.exports.report_charts import day_chart

#: Days averaged at each end of the period for the pain trend.
TREND_DAYS = 7
PAIN_CHANGE_SOURCE = (
    f"NPRS minimal important change: {NPRS_IMPORTANT_CHANGE} points (pelvicore.care.instruments; "
    "Farrar et al. 2001, Pain 94:149)"
)
LEVEL_TEXT = {
    "emergency": "emergency: same-day emergency assessment",
    "soon": "see a clinician soon",
    "routine": "mention at a routine appointment",
    "self-care": "self-care",
}


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def pain_trend(entries: list[DiaryEntry], start: date, today: date) -> dict[str, Any]:
    """Mean NPRS pain of the first :data:`TREND_DAYS` days with pain entries in the period and of its last
    :data:`TREND_DAYS` days, and whether it changed by the minimal important change."""
    pains = [(e.date, e.pain) for e in entries if e.pain is not None and start <= e.date <= today]
    first_day = pains[0][0] if pains else start
    first = _mean([float(p) for d, p in pains if d < first_day + timedelta(days=TREND_DAYS)])
    last = _mean([float(p) for d, p in pains if d > today - timedelta(days=TREND_DAYS)])
    change = None if first is None or last is None else last - first
    if change is None or first_day > today - timedelta(days=2 * TREND_DAYS):
        change = None
        verdict = "not enough entries at both ends of the period to compare"
    elif change <= -NPRS_IMPORTANT_CHANGE:
        verdict = f"better by {-change:.1f} points (at least the {NPRS_IMPORTANT_CHANGE}-point important change)"
    elif change >= NPRS_IMPORTANT_CHANGE:
        verdict = f"worse by {change:.1f} points (at least the {NPRS_IMPORTANT_CHANGE}-point important change)"
    else:
        verdict = f"no important change ({change:+.1f} points; important: {NPRS_IMPORTANT_CHANGE} points)"
    return {
        "entries": len(pains),
        "mean": _mean([float(p) for _, p in pains]),
        "highest": max((p for _, p in pains), default=None),
        "first": first,
        "first_day": first_day,
        "last": last,
        "verdict": verdict,
    }


def red_flags(all_entries: list[DiaryEntry], period: list[DiaryEntry], care: CareRecords, user_id: int) -> list[Any]:
    """Each entry of the period that raised triage: its day, the triage level, why, and the rules' sources."""
    profile = care.get_profile(user_id)
    found = []
    for entry in period:
        flags = new_flags(entry, all_entries, profile=profile)
        if not flags.triage:
            continue
        result = triage(flags.answers)
        found.append({"day": entry.date, "flags": flags, "result": result, "level": LEVEL_TEXT[result.level]})
    return found


def care_context(care: CareRecords, *, user_id: int, start: date, today: date) -> dict[str, Any]:
    """The care part of the period report (diary, questionnaires, triage, bone screen)."""
    all_entries = sorted(care.list_entries(user_id), key=lambda e: e.date)
    entries = [e for e in all_entries if start <= e.date <= today]
    sources: list[str] = [care_sources.NPRS, PAIN_CHANGE_SOURCE]
    chart = None
    if entries:
        leaks = [None if e.leaking_episodes is None else float(e.leaking_episodes) for e in entries]
        chart = day_chart(
            [e.date for e in entries],
            [
                ("Pain (NPRS)", [None if e.pain is None else float(e.pain) for e in entries], "pain (0–10 points)"),
                ("Leaking", leaks, "episodes a day"),
            ],
            start=start,
            end=today,
        )
    questionnaires = [(e.date, s) for e in entries for s in e.instruments]
    for _, score in questionnaires:
        sources += [s for s in score.sources if s not in sources]
    flags = red_flags(all_entries, entries, care, user_id)
    for f in flags:
        sources += [s for s in f["result"].sources if s not in sources]
    bone = None
    profile = care.get_profile(user_id)
    if profile is not None and profile.age is not None and profile.weight_kg is not None:
        try:
            bone = screen_bone_risk(profile.age, profile.weight_kg, estrogen_now=bool(profile.hormone_therapy))
        except BoneInputError:
            bone = None
        if bone is not None:
            sources += [s for s in bone.sources if s not in sources]
    leak_days = [e.leaking_episodes for e in entries if e.leaking_episodes is not None]
    sleep = [e.sleep_hours for e in entries if e.sleep_hours is not None]
    return {
        "entries": len(entries),
        "pain": pain_trend(entries, start, today),
        "leaks_per_day": _mean([float(x) for x in leak_days]),
        "leak_days": sum(1 for x in leak_days if x),
        "sleep_h": _mean([float(x) for x in sleep]),
        "chart": chart,
        "questionnaires": questionnaires,
        "red_flags": flags,
        "bone": bone,
        "sources": sources,
    }
