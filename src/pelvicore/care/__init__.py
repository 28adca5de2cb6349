"""Back-pain and menopause care: red-flag triage and bone-risk screening.

Everything here is pure Python: answers in, a plain-words result with its guideline sources out. pelvicore tells
people when to see a clinician; it never diagnoses.
"""
