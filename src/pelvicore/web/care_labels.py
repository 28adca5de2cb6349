"""Plain-words wording for the care pages: form labels, triage questions, level headlines.

The keys are those of :mod:`pelvicore.care` (profile fields, diary regions, triage answer keys), so a page and
the JSON API speak about the same things; only the wording lives here.
"""

from __future__ import annotations

from pelvicore.care.answers import YES_NO_KEYS
from pelvicore.care.diary import REGIONS, SIGN_LABELS, STIFFNESS
from pelvicore.care.profile import GOALS, MENOPAUSE_STATUSES

MENOPAUSE_LABELS: dict[str, str] = {
    "pre": "Before menopause (regular periods)",
    "peri": "Around menopause (periods changing)",
    "post": "After menopause (no period for a year or more)",
    "unsure": "Not sure",
}
GOAL_LABELS: dict[str, str] = {
    "less_back_pain": "Less back pain",
    "less_leaking": "Less leaking",
    "stronger_pelvic_floor": "A stronger pelvic floor",
    "bone_health": "Healthy bones",
    "better_sleep": "Better sleep",
    "healthy_weight": "A healthy weight",
    "stay_active": "Stay active",
}
HISTORY_LABELS: dict[str, str] = {
    "osteoporosis": "Osteoporosis (thinning bones)",
    "fractures": "A bone broken in a minor fall or knock, as an adult",
    "steroids": "Steroid tablets (such as prednisolone) for three months or more",
    "cancer": "Cancer, at any time",
    "stress_incontinence_longstanding": "Leaking when I cough, sneeze or lift, for a long time (not new)",
}
REGION_LABELS: dict[str, str] = {
    "lower_back": "Lower back",
    "mid_back": "Mid back, between the shoulder blades",
    "radiating_hips_legs": "Spreading to the hips or legs",
    "tailbone": "Tailbone",
}
STIFFNESS_LABELS: dict[str, str] = {"none": "None", "morning": "In the morning", "all_day": "All day"}

# The triage questions, grouped as the form shows them. Each names the triage answer key it sets.
TRIAGE_GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Numbness, bladder, bowel and legs",
        (
            ("saddle_numbness", "Numbness or a changed feeling around your bottom, back passage or inner thighs "
             "(for example when wiping)"),
            ("genital_numbness", "Numbness of your genitals"),
            ("new_bladder_problem", "A new problem with your bladder: trouble starting or stopping peeing, not "
             "feeling when it is full, or leaking that is new for you"),
            ("new_bowel_incontinence", "New loss of control of your bowel"),
            ("leg_weakness_worsening", "Weakness or numbness in your legs that is severe or getting worse, or "
             "trouble walking"),
            ("pain_both_legs", "Pain going down both legs"),
        ),
    ),
    (
        "Injuries and bones",
        (
            ("major_trauma", "The pain began after a major injury, such as a road accident or a fall from a height"),
            ("minor_trauma_or_fall", "The pain began after a minor injury or a fall"),
            ("osteoporosis", "You have osteoporosis (thinning bones)"),
            ("long_term_steroids", "You take, or have taken, steroid tablets (such as prednisolone) for a long time"),
            ("height_loss_or_stoop", "You have lost height or have a new stoop"),
        ),
    ),
    (
        "Your health",
        (
            ("cancer_history", "You have had cancer at any time"),
            ("unexplained_weight_loss", "You have lost weight without trying"),
            ("night_pain_unrelieved", "Pain at night that does not ease when you change position"),
            ("fever", "Fever, chills or shivering fits"),
            ("immunosuppressed", "A weakened immune system (from an illness or from medicines)"),
            ("iv_drug_use", "You inject drugs into a vein"),
        ),
    ),
    (
        "Nerves and leaking",
        (
            ("radiating_leg_pain_with_numbness", "Pain spreading to your hips or legs with tingling or numbness"),
            ("stress_incontinence_longstanding", "Leaking when you cough, sneeze or lift, for a long time (not new)"),
        ),
    ),
)  # fmt: skip

LEVEL_HEADLINES: dict[str, str] = {
    "emergency": "Call emergency services now (999/112/911) or go to A&E",
    "soon": "Book an appointment with your GP or clinician this week",
    "routine": "Mention this at your next routine appointment",
    "self-care": "No warning signs in your answers: carry on with your self-care",
}
LEVEL_NAMES: dict[str, str] = {
    "emergency": "Emergency",
    "soon": "See a clinician soon",
    "routine": "Routine",
    "self-care": "Self-care",
}
NOT_A_DIAGNOSIS = (
    "pelvicore does not diagnose: your answers only say whether, and how soon, to get checked. If you are worried, "
    "contact a clinician whatever this page says."
)

assert set(MENOPAUSE_LABELS) == set(MENOPAUSE_STATUSES)
assert set(GOAL_LABELS) == set(GOALS)
assert set(REGION_LABELS) == set(REGIONS)
assert set(STIFFNESS_LABELS) == set(STIFFNESS)
assert {key for _, group in TRIAGE_GROUPS for key, _ in group} == set(YES_NO_KEYS)
assert set(SIGN_LABELS) <= set(YES_NO_KEYS)

__all__ = [
    "GOAL_LABELS",
    "HISTORY_LABELS",
    "LEVEL_HEADLINES",
    "LEVEL_NAMES",
    "MENOPAUSE_LABELS",
    "NOT_A_DIAGNOSIS",
    "REGION_LABELS",
    "STIFFNESS_LABELS",
    "TRIAGE_GROUPS",
]
