"""A middleware that appends one line per request to the file named by OMS_REQUEST_LOG,
for the benchmarks' server cost (bench/drf_bench.py): what each user action costs the
server, in requests and in database time, and how many requests it had in hand at once.

    START END PID STATUS QUERIES DB_MS PATH?QUERY

START and END are Unix times (seconds, microsecond precision) around Django's handling of
the request; DB_MS is the time spent in the database calls (each timed around the driver's
execute, so it includes the round trip over the unix socket). Each line is one write(2) to
a file opened with O_APPEND, so the gunicorn workers' lines never interleave."""
import os
import time

from django.db import connection


class RequestLog:
    def __init__(self, get_response):
        self.get_response = get_response
        self.fd = os.open(os.environ["OMS_REQUEST_LOG"],
                          os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def __call__(self, request):
        stats = [0, 0.0]

        def timed(execute, sql, params, many, context):
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                stats[0] += 1
                stats[1] += time.perf_counter() - t

        start = time.time()
        with connection.execute_wrapper(timed):
            response = self.get_response(request)
        end = time.time()
        path = request.get_full_path().replace(" ", "%20").replace("\n", "%0A")
        line = "%.6f %.6f %d %d %d %.3f %s\n" % (start, end, os.getpid(), response.status_code,
                                                 stats[0], stats[1] * 1000.0, path)
        os.write(self.fd, line.encode("utf-8", "replace"))
        return response
