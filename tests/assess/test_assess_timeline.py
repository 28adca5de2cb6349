"""Phase windows: the default Glazer timeline, cue annotations, their EDF+ round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from pelvicore.assess.timeline import (
    cues_from_annotations,
    glazer_steps,
    glazer_windows,
    timeline_from_steps,
    timeline_of,
)
from pelvicore.recordings import read_recording, write_recording
from pelvicore.recordings.model import Annotation
from pelvicore.simulation import simulate
from pelvicore.training.routines import get_protocol


def test_default_glazer_timeline_is_340_s() -> None:
    w = glazer_windows(timeline_from_steps(glazer_steps()))
    assert (w.pre_rest.start_s, w.pre_rest.end_s) == (0.0, 60.0)
    assert [c.start_s for c in w.flicks] == [60.0, 72.0, 84.0, 96.0, 108.0]
    assert all(c.duration_s == 2.0 for c in w.flicks)
    assert [c.start_s for c in w.tonic] == [120.0, 140.0, 160.0, 180.0, 200.0]
    assert (w.endurance.start_s, w.endurance.end_s) == (220.0, 280.0)
    assert (w.post_rest.start_s, w.post_rest.end_s) == (280.0, 340.0)
    assert w.timeline.end_s == 340.0


def test_two_second_rest_variant() -> None:
    w = glazer_windows(timeline_from_steps(glazer_steps(flick_rest_s=2.0)))
    assert [c.start_s for c in w.flicks] == [60.0, 64.0, 68.0, 72.0, 76.0]
    assert w.timeline.end_s == 300.0


def test_cues_without_duration_last_until_the_next() -> None:
    cues = cues_from_annotations(
        [Annotation(5.0, 0.0, "cue squeeze flick"), Annotation(0.0, 0.0, "cue rest rest"), Annotation(3.0, 1, "note")]
    )
    assert [(c.kind, c.start_s, c.end_s) for c in cues] == [("rest", 0.0, 5.0), ("flick", 5.0, 5.0)]


def test_simulated_cues_survive_edf(tmp_path: Path) -> None:
    sim = simulate("healthy", "glazer", seed=0, signals="emg", fs_hz=500.0)
    path = tmp_path / "g.edf"
    write_recording(sim.recording, path)
    default = timeline_from_steps(glazer_steps())
    timeline = timeline_of(read_recording(path), default, title="Glazer protocol")
    assert timeline.origin == "annotations"
    assert [c.kind for c in timeline.cues] == [c.kind for c in default.cues]
    assert [t for c in timeline.cues for t in (c.start_s, c.end_s)] == pytest.approx(
        [t for c in default.cues for t in (c.start_s, c.end_s)], abs=1e-3
    )


@pytest.mark.parametrize(("routine", "flick_rest_s"), [("glazer", 10.0), ("glazer-2s", 2.0)])
def test_the_trainers_glazer_routine_plays_the_standard_timeline(routine: str, flick_rest_s: float) -> None:
    """The routine the trainer plays and the timeline an assessment assumes for a file without cues agree."""
    played = [(step.action, step.kind, step.duration_s) for step in get_protocol(routine).steps]
    assert played == list(glazer_steps(flick_rest_s))
