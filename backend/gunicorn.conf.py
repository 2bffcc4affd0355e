"""gunicorn settings, the same for `make run` and the container.

    gunicorn -c backend/gunicorn.conf.py

PORT (default 8000) or BIND (default 127.0.0.1:$PORT) choose the address,
WEB_CONCURRENCY the number of worker processes, GUNICORN_THREADS the
threads per worker, MAX_REQUESTS how many requests a worker serves before
it is replaced (default 0: never; see below).
"""

import contextlib
import ctypes
import os
from pathlib import Path

wsgi_app = "detector:create_app()"
# The `detector` package sits next to this file; paths in its settings are
# relative to the directory gunicorn starts in (the checkout's root, /app in the container).
pythonpath = str(Path(__file__).resolve().parent)
bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads share one loaded model per worker; TensorFlow releases the GIL.
# gthread keeps idle and slow connections off the threads; this subclass also
# answers gunicorn's own errors (bad request line or headers) as JSON.
worker_class = "detector.worker.JSONErrorWorker"
# Many threads, so that clients sending slowly cannot hold them all (the app
# decodes at most DECODE_SLOTS pictures at once per worker, whatever this number).
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# Workers are not replaced after a number of requests (MAX_REQUESTS 0). A new
# worker loads the model for about 10 s; two replaced at about the same time left
# nobody to answer for 10-19 s. Memory stays flat without it, since large decoded
# buffers go straight back to the system (post_fork): two workers answering 4,000
# mixed uploads stayed at 800-840 MB (scripts/benchmarks/recycling.py,
# docs/security.md). MAX_REQUESTS > 0 turns it back on, with a quarter of it as jitter.
max_requests = int(os.environ.get("MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 4
# gunicorn's parser limits (its defaults, stated so a proxy in front can stay below them).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# No preload_app: each worker loads TensorFlow itself, which is not fork-safe.
timeout = 60
graceful_timeout = 20
# The access log records method, path, status and timing, never request bodies.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
# No control socket: it would be created under $HOME, which a container lacks.
control_socket_disable = True


def post_fork(server, worker):
    """Hand large freed buffers (decoded pictures) straight back to the system.

    glibc raises its mmap threshold after the first large free, so later
    picture buffers come from the heap, which fragments: four 8-megapixel
    WebP decodes in one request then peaked at 196 MB instead of 46 MB
    (scripts/benchmarks/hostile.py). A fixed threshold keeps them mmapped.
    """
    # Not glibc (no mallopt): keep the C library's own policy.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, 256 * 1024)


M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>
