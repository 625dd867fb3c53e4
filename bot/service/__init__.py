"""The service SOP as code: triage, escalation, complaints, suggestions, incidents, tickets, ratings."""
