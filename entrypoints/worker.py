"""Celery worker and beat entry point.

celery -A entrypoints.worker worker --loglevel=INFO -Q default
celery -A entrypoints.worker beat
LEARNINGHUB_CONFIG=production.ini  (default: development.ini)
"""

import os

from learninghub.cli import configure_or_exit
from learninghub.tasks import celery_app

_config = configure_or_exit(os.environ.get("LEARNINGHUB_CONFIG", "development.ini"))
app = celery = celery_app(_config.registry)
