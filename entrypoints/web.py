"""WSGI entry point for waitress (or any WSGI server).

waitress-serve --listen 0.0.0.0:6543 --threads 8 entrypoints.web:app
LEARNINGHUB_CONFIG=production.ini  (default: development.ini)
"""

import os

from learninghub import make_app
from learninghub.cli import read_settings

app = make_app(read_settings(os.environ.get("LEARNINGHUB_CONFIG", "development.ini")))
