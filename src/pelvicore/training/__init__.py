"""Training: protocol timelines, the exercise library, personalised 12-week plans and their reminders."""
