"""The first run's trainer list: what each trainer can measure and where it pairs."""

from __future__ import annotations

from pelvicore.web.welcome import trainer_guides


def test_the_welcome_page_says_which_trainers_tell_a_lift_from_a_push() -> None:
    two_zones = {g.name for g in trainer_guides() if g.zones.startswith("Two pressure zones")}
    assert two_zones == {"perifit", "femfit", "open"}  # femfit's eight zones stream as floor and abdomen
    assert {g.name for g in trainer_guides() if not g.in_browser} == {"kgoal"}  # read by handle, not by UUID
