"""Time and recurring work: the engine clock and cron jobs (scheduled jobs come later)."""

from convex_test.scheduler.clock import Clock
from convex_test.scheduler.crons import CronJob, Crons, CronSpec, cron_jobs, parse_cron

__all__ = ["Clock", "CronJob", "CronSpec", "Crons", "cron_jobs", "parse_cron"]
