"""Celery application.

Without REDIS_URL the settings make Celery run every task eagerly in the calling
process, so the embedded default needs no broker; with REDIS_URL tasks go to
Redis and real workers run them.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("sanzi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
