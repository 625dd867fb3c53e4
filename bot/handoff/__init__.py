"""Handing conversations to people: records and queue, claims, the gate, the outbox, presence,
availability and intake. This package owns every ``cs:handoff*`` Redis key and offers the bulk
reads that analytics, history and the console need."""
