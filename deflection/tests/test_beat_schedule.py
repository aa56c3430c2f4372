"""Every periodic job in CELERY_BEAT_SCHEDULE runs a task the worker knows, with time limits.

A misspelt task name in the schedule is accepted by beat and silently never runs; this catches it.
"""

from django.conf import settings

from deflection.celery import app


def test_every_scheduled_job_names_a_registered_task_with_time_limits():
    app.loader.import_default_modules()  # what the worker does at start: autodiscover every app's tasks
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"{name}: no task {entry['task']}"
        task = app.tasks[entry["task"]]
        assert task.soft_time_limit and task.time_limit and task.soft_time_limit < task.time_limit, name
