"""gunicorn for Junipeer: `gunicorn -c deploy/gunicorn.conf.py` (the Procfile's and systemd's web).

Behind a TLS-terminating reverse proxy on the same machine (it sets X-Forwarded-Proto and
appends to X-Forwarded-For; see deploy/README.md). Every value can be overridden on the command
line or in GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os
from pathlib import Path

wsgi_app = "junipeer.wsgi:application"
chdir = str(Path(__file__).resolve().parent.parent)
bind = [os.environ.get("BIND", "127.0.0.1:8000")]

# Processes for CPU, threads for waiting: some admin pages call Centra or Fortnox (preview, reconnect,
# read default accounts), and a thread waiting on them must not hold a whole process. Each process
# holds its own database connections: workers x threads is at most the connections the web needs.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", 4))
# A worker silent this long is killed and replaced; the slowest page (a preview waiting on a rate
# limited API) stays well under it.
timeout = int(os.environ.get("WEB_TIMEOUT", 60))
graceful_timeout = 30  # on SIGTERM / HUP, requests in flight get this long to finish
keepalive = 5  # the proxy reuses connections
# Recycle a worker now and then so slow memory growth never builds up; jitter keeps them from
# restarting together.
max_requests = 1000
max_requests_jitter = 100

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Reloads and restarts go through the service manager's signals (HUP, TERM), not gunicorn's
# control socket, whose default path is per user and would collide between two instances.
control_socket_disable = True
