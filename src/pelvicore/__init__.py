"""pelvicore: open pelvic-floor biofeedback — live sensors, contraction analysis, training and care.

The public Python API (imported lazily so the command line starts fast)::

    pelvicore.analyze(x, fs_hz, unit="cmH2O")      # NumPy array(s) -> Analysis
    pelvicore.analyze_recording(rec)                # Recording -> Analysis
    pelvicore.read_recording(path) / write_recording(rec, path)
    pelvicore.Pipeline, Frame, Contraction, Calibration, simulate
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "analyze": "pelvicore.analysis",
    "analyze_recording": "pelvicore.analysis",
    "Analysis": "pelvicore.analysis",
    "Pipeline": "pelvicore.signal.pipeline",
    "Frame": "pelvicore.signal.frames",
    "Contraction": "pelvicore.signal.events",
    "SignalProblem": "pelvicore.signal.events",
    "Calibration": "pelvicore.signal.events",
    "Recording": "pelvicore.recordings.model",
    "read_recording": "pelvicore.recordings",
    "write_recording": "pelvicore.recordings",
    "simulate": "pelvicore.simulation",
    "PelvicoreError": "pelvicore.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'pelvicore' has no attribute {name!r}")
