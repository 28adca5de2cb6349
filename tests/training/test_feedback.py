"""The end of a session: what happened, and one true and kind sentence on her numbers."""

from __future__ import annotations

import pytest

from pelvicore.signal.technique import Technique
from pelvicore.training.feedback import NOT_MEASURED, end_feedback, session_feedback
from pelvicore.training.sessions import RepSummary

PRAISE = ("well done", "good", "great")


def reps(
    techniques: list[Technique], *, peak: float = 40.0, hold_s: float = 9.8, kind: str = "hold"
) -> list[RepSummary]:
    return [RepSummary(peak, hold_s, t, kind) for t in techniques]


def test_mostly_pushing_is_never_congratulated() -> None:
    f = end_feedback("completed", reps(["push"] * 6 + ["lift"] * 3), unit="cmH2O", technique_measured=True)
    assert f.tone == "warning" and f.outcome == "Session complete."
    assert f.message == (
        "Most squeezes pushed down instead of lifting (6 of 9) — next time, lift and squeeze gently, as if stopping "
        "wind, and breathe out."
    )
    assert not any(word in f.message.lower() for word in PRAISE)


def test_good_lifts_are_praised_warmly() -> None:
    f = end_feedback("completed", reps(["lift"] * 9), unit="cmH2O", technique_measured=True, target_hold_s=10.0)
    assert f.tone == "praise"
    assert f.message == "Good lifts: 9 of 9 squeezes lifted, held for the 10 s asked — well done."


def test_a_single_zone_trainer_says_technique_is_not_measured() -> None:
    f = end_feedback("completed", reps(["unknown"] * 9), unit="raw", technique_measured=False, target_hold_s=10.0)
    assert f.tone == "praise" and NOT_MEASURED in f.message
    assert "%" not in f.message and "lift" not in f.message.replace(NOT_MEASURED, "")


@pytest.mark.parametrize(
    ("peak", "words"), [(9.0, "very weak (strongest 9 cmH2O above rest)"), (5.0, "faint (strongest 5 cmH2O")]
)
def test_weak_squeezes_name_the_next_step(peak: float, words: str) -> None:
    f = end_feedback("completed", reps(["lift"] * 9, peak=peak), unit="cmH2O", technique_measured=True)
    assert f.tone == "advice" and words in f.message and "at least 8" in f.message


def test_raw_counts_are_not_classed_by_strength() -> None:
    f = end_feedback("completed", reps(["lift"] * 9, peak=3.0), unit="raw", technique_measured=True)
    assert f.tone == "praise"


def test_short_holds_name_the_next_step() -> None:
    short = reps(["lift"] * 3, hold_s=4.2)
    f = end_feedback("completed", short, unit="cmH2O", technique_measured=True, target_hold_s=10)
    assert f.tone == "advice" and f.message.startswith("Your longest hold was 4 s of the 10 s asked — next step:")
    none_held = end_feedback(
        "completed", reps(["lift"] * 3, kind="maximal"), unit="cmH2O", technique_measured=True, target_hold_s=10
    )
    assert none_held.message.startswith("No squeeze was found during the 10 s hold")


def test_no_contractions_says_none_were_found() -> None:
    f = end_feedback("completed", [], unit="cmH2O", technique_measured=True)
    assert f.tone == "neutral" and f.message.startswith("No contractions were found")


def test_coughs_are_not_judged_as_pushes() -> None:
    f = end_feedback("completed", reps(["push"] * 3, kind="cough"), unit="cmH2O", technique_measured=True)
    assert f.tone == "neutral" and f.message.startswith("3 coughs recorded")


@pytest.mark.parametrize(
    ("status", "elapsed_s", "reason", "outcome"),
    [
        ("stopped", 15.2, None, "You stopped the session after 15 s; what was recorded is kept."),
        ("stopped", None, None, "You stopped the session; what was recorded is kept."),
        ("interrupted", None, "the trainer went away", "The session was cut short: the trainer went away; "),
        ("failed", None, "OSError: disk full", "Something went wrong and the session ended: OSError: disk full."),
    ],
)
def test_the_outcome_says_what_happened(status: str, elapsed_s: float | None, reason: str | None, outcome: str) -> None:
    f = end_feedback(
        status,  # type: ignore[arg-type]
        reps(["lift"] * 3),
        unit="cmH2O",
        technique_measured=True,
        elapsed_s=elapsed_s,
        reason=reason,
    )
    assert f.outcome.startswith(outcome) and "complete" not in f.outcome


def test_session_feedback_labels_contractions_by_the_cues_given() -> None:
    cues = [
        {"t_s": 5.0, "action": "squeeze", "step": "maximal", "duration_s": 5.0},
        {"t_s": 10.0, "action": "rest", "step": "rest", "duration_s": 5.0},
        {"t_s": 15.0, "action": "squeeze", "step": "hold", "duration_s": 10.0},
    ]
    contractions = [
        {"onset_s": 5.3, "peak": 40.0, "hold_s": 4.5, "technique": "lift"},
        {"onset_s": 15.4, "peak": 35.0, "hold_s": 6.0, "technique": "lift"},
    ]
    units = {"floor": "cmH2O", "abdomen": "cmH2O"}
    f = session_feedback("stopped", contractions, cues, units=units, summary={"unit": "cmH2O", "elapsed_s": 22.0})
    # The 10 s hold was asked and held 6 s: named; the 4.5 s maximal squeeze is not a hold.
    assert f.outcome.startswith("You stopped the session after 22 s")
    assert f.message.startswith("Your longest hold was 6 s of the 10 s asked")
    single = session_feedback("completed", contractions[:1], cues[:1], units={"floor": "raw"})
    assert NOT_MEASURED in single.message
