"""Time and recurring work: the engine clock, scheduled functions and cron jobs."""

from convex_test.scheduler.clock import Clock
from convex_test.scheduler.crons import CronJob, Crons, CronSpec, cron_jobs, parse_cron
from convex_test.scheduler.jobs import CtxScheduler, Scheduler

__all__ = [
    "Clock",
    "CronJob",
    "CronSpec",
    "Crons",
    "CtxScheduler",
    "Scheduler",
    "cron_jobs",
    "parse_cron",
]
