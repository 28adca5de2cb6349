"""The guidelines, trials and instrument owners that care advice and scores cite, one constant each.

Every rule and score shown to a person names one of these beside it. The red-flag sources live with the rules
in :mod:`pelvicore.care.triage`; the bone-screening ones in :mod:`pelvicore.care.bone`.
"""

from __future__ import annotations

from pelvicore.care.triage import COCHRANE_PFMT, NICE_PFMT

# Self-care evidence.
ACP_2017 = (
    "ACP 2017 (Qaseem et al., Ann Intern Med): acute low back pain -> superficial heat; chronic -> exercise, "
    "mindfulness-based stress reduction, tai chi, yoga, motor-control exercise, EMG biofeedback"
)
SEED_ARTICLE = (
    "Menopause and back pain self-care article that pelvicore's care guide starts from: sitting posture, "
    "cold packs, sleep, radiating pain"
)
IOM_2011 = "IOM 2011 Dietary Reference Intakes for calcium and vitamin D (women 51-70 and over 70)"
BHOF = "Bone Health & Osteoporosis Foundation: vitamin D 800-1,000 IU a day from age 50"
IOM_WATER = "IOM Dietary Reference Intakes for water: 2.7 L a day total water for women (about 2.2 L from drinks)"
EFSA_WATER = "EFSA 2010 dietary reference values for water: 2.0 L a day for women (about 1.6 L from drinks)"
WHO_BMI = (
    "WHO adult body-mass index categories: under 18.5 underweight, 18.5-24.9 healthy, 25-29.9 overweight, 30+ obesity"
)
NICE_CG171 = "NICE CG171: at least 8 pelvic-floor contractions, 3 times a day, for at least 12 weeks"
BO_MOTHERFIT = "Bø-style programme (MOTHERFIT, Trials 2019): train daily, or at least 3-4 days a week"
SELFBACK = (
    "selfBACK trial (Sandal et al., JAMA Intern Med 2021, n = 461): an app-tailored plan reviewed every week "
    "lowered back-pain disability a little at 3-9 months"
)

# Instruments.
NPRS = "Numeric Pain Rating Scale (NPRS) 0-10, LOINC 72514-3; bands 1-3 mild, 4-6 moderate, 7-10 severe"
PEG = "PEG-3 (pain, enjoyment of life, general activity): Krebs et al. 2009, J Gen Intern Med 24:733"
START_BACK = "Keele STarT Back Screening Tool, Keele University: scoring and risk groups per Keele's calculator"
MRS = "Menopause Rating Scale (MRS), official MRS site: 11 items 0-4, total 0-44, three subscales"
MRS_BANDS = "MRS severity cut-offs from secondary sources (0-4, 5-8, 9-15, 16+; others use 9-16 / 17+): approximate"
ICIQ = "ICIQ-UI Short Form, ICIQ (International Consultation on Incontinence Questionnaire): scored 0-21"
ICIQ_BANDS = (
    "ICIQ-UI SF severity bands: Klovning et al. 2009 (1-5 slight, 6-12 moderate, 13-18 severe, 19-21 very severe)"
)
ODI = "Oswestry Disability Index (ODI), licensed by Mapi Research Trust: total / (5 x sections answered) x 100"
PFDI = "Pelvic Floor Distress Inventory short form (PFDI-20): UDI-6, CRADI-8, POPDI-6, each 0-100, total 0-300"

__all__ = [
    "ACP_2017",
    "BHOF",
    "BO_MOTHERFIT",
    "COCHRANE_PFMT",
    "EFSA_WATER",
    "ICIQ",
    "ICIQ_BANDS",
    "IOM_2011",
    "IOM_WATER",
    "MRS",
    "MRS_BANDS",
    "NICE_CG171",
    "NICE_PFMT",
    "NPRS",
    "ODI",
    "PEG",
    "PFDI",
    "SEED_ARTICLE",
    "SELFBACK",
    "START_BACK",
    "WHO_BMI",
]
