"""WSGI entry point for waitress (or any WSGI server).

waitress-serve --listen 0.0.0.0:6543 --threads 8 entrypoints.web:app
LEARNINGHUB_CONFIG=production.ini  (default: development.ini)
"""

import os

from learninghub import settle_heap
from learninghub.cli import configure_or_exit

app = configure_or_exit(os.environ.get("LEARNINGHUB_CONFIG", "development.ini")).make_wsgi_app()
settle_heap()
