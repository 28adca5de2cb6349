"""The clinician's views over what her patients share: a dashboard row per patient, with the alerts that need
her attention (``dashboard``, ``alerts``)."""
