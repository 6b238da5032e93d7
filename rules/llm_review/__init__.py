"""The review pass (`python -m rules review`): reads notes against the SOW lines, milestones
and calendars and tags leakage, scope creep, milestone mismatches and under-reporting, with
evidence and a confidence, into the exception queue (source `review`). Claude answers when a
key is configured; otherwise a local heuristic does, and says so."""
