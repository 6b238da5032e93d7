"""Scheduled jobs (`python -m jobs`): sync every 15 minutes, rules nightly, timesheet
reminders daily, billing readiness on the last business day, drafts on the 2nd business day,
payment reminders daily. schedule.py (when), tasks.py (what), runner.py (once per slot, logged
in job_runs). docs/jobs.md: running it under cron or systemd."""
