"""Back-pain and menopause care: profile, diary and instruments, red-flag triage, bone risk, self-care plan, insight.

Everything here is pure Python: answers in, a plain-words result with its guideline sources out. pelvicore tells
people when to see a clinician; it never diagnoses.
"""
