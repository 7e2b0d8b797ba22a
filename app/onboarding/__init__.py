"""Connecting authorities to NOOTS: onboarding records, transition deadlines,
Fachsynchronisation entries, and the reports data managers give the IT-Planungsrat."""
