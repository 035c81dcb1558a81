#!/usr/bin/env python3
"""mock_oms.py: a mock of the OMS action-log API that behaves like Django REST Framework,
and the one HTTP server of every test and benchmark.

Python 3 standard library only.

    python3 tests/mock_oms.py --port 0 --count 3000      # prints "PORT <n>" once listening
    curl -H 'Authorization: Token demo-token' http://127.0.0.1:<n>/api/v1/oms/logs/action_log/

Embedded in Python tests:

    srv = MockServer(count=50, page_size=10).start()   # .port, .url
    srv.set(fail_5xx=2)                                  # reconfigure between steps
    srv.requests, srv.dump(), srv.count()                # what it received
    srv.stop()

Scripted beyond the options: MockServer(handler=fn) answers what fn(req) returns (a
Reply: any bytes, cut, stalled, reset, chunked, after a 1xx; None lets the API answer;
with spy=True, a 404), and MockServer(hooks=...) wraps and observes requests,
/__control__ and connections (see Hooks). --workers N and --stats (the benchmarks):
see mock_workers.py. tests/fixtures/http_peer.py is this server with test_http.c's
routes as its handler.

Every fault switch can also be changed at runtime, with no authentication:
`POST /__control__` with a JSON object of option names (`fail_5xx` or `fail-5xx`), plus
`"reset": true` (the start-up options and a fresh log) or `"reset_data": true` (a fresh log).
`GET /__control__` shows the current options and state.

The data is a pure function of --seed and the entry id, generated lazily, so a
million entries cost one small integer per block of 32 ids. DRF behaviour copied:
PageNumberPagination (page size, `page=last`, "Invalid page.", next/previous built
with replace_query_param/remove_query_param), TokenAuthentication's messages and
WWW-Authenticate header, authentication before throttling before 405, the JSON
renderer (compact, UTF-8, U+2028/U+2029 escaped), Django's APPEND_SLASH redirect.

Server-side filtering, each parameter switchable (--lookups; presets none, exact, full,
full-sort are the reference server's modes): django-filter lookups exact, in, gte, lte,
gt, lt on level, app_name, logger_name, id and created_at, with its value parsing and 400
bodies; SearchFilter `search` (over --search-fields); OrderingFilter as `ordering` or
`sort`. --liars makes a parameter accepted but wrong (ignored, or some matching rows
dropped). bench/drf/compare.py checks these answers against a real DRF server holding the
same entries.
"""
import argparse
import bisect
import functools
import gzip
import json
import math
import os
import random
import re
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import zlib
from collections import deque, namedtuple
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit

API_PATH = "/api/v1/oms/logs/action_log/"
CONTROL_PATH = "/__control__"
# DRF's router matches the lookup with [^/.]+, so "/action_log/abc/" reaches the view.
DETAIL_RE = re.compile(re.escape(API_PATH) + r"([^/.]+)/")

# Every option: name, default (which also fixes its type), help. Each is a --flag, a
# MockServer keyword and a /__control__ key.
OPTIONS = [
    ("host", "127.0.0.1", "address to listen on"),
    ("port", 0, "port; 0 picks a free one"),
    ("port_file", "", "also write the port to this file"),
    ("count", 3000, "entries in the log"),
    ("seed", 1, "data seed"),
    ("token", "demo-token", "the valid token"),
    ("no_auth", False, "accept requests without a token"),
    ("auth_403", False, "authentication failures answer 403 without WWW-Authenticate"),
    ("forbidden_token", "", "a token that authenticates but lacks permission (403)"),
    ("page_size", 10, "default page size"),
    ("page_size_param", "", "honour this query parameter as the page size (e.g. page_size)"),
    ("max_page_size", 1000, "clamp a requested page size to this (0: no limit)"),
    ("limit_param", False, "honour 'limit' as the page size parameter"),
    ("server_filters", False, "honour level, level__gte and app_name (django-filter style)"),
    ("lookups", "", "honour these django-filter/DRF parameters: comma-separated names "
     "(level__gte, app_name__in, search, ordering, sort, ...) or presets: none, exact, full, "
     "full-sort (the reference server's OMS_FILTERS modes), all"),
    ("search_fields", "message,logger_name,app_name", "the fields SearchFilter `search` looks "
     "in, comma-separated (message, logger_name, app_name, trace); the reference server's "
     "search_fields by default (OMS_SEARCH_FIELDS there)"),
    ("liars", "", "accept these parameters and answer wrongly, as PARAM:ignore (no effect) or "
     "PARAM:drop (about one matching row in four left out, count too), comma-separated"),
    ("gzip", False, "gzip bodies when the client accepts it"),
    ("log_requests", False, "log each request to stderr"),
    ("log_file", "", "append one JSON line per API request: method, path, headers"),
    ("delay", 0.0, "seconds to wait before answering each request"),
    ("fail_5xx", 0, "the next N requests fail with --fail-status"),
    ("fail_status", 503, "status for --fail-5xx"),
    ("flaky_5xx", 0.0, "this fraction of requests fail with 502 or 503 (seeded)"),
    ("rate_limit", 0, "the next N authenticated requests get 429 with Retry-After: 1"),
    ("busy_above", 0, "an API request arriving while more than N are being answered (itself "
     "included) gets busy_status at once (0: off); srv.arrivals records each arrival"),
    ("busy_status", 429, "the status of a busy reply: 429 (throttled) or 503"),
    ("busy_retry_after", 1, "the busy reply's Retry-After in seconds (-1: none)"),
    ("busy_retry_date", False, "send the busy reply's Retry-After as an HTTP-date"),
    ("malformed", False, "200 responses carry invalid JSON"),
    ("truncated_json", False, "200 responses carry the first half of their JSON (well framed)"),
    ("html_error", False, "every request gets nginx's 502 HTML page"),
    ("truncate", False, "send half of a 200 body, then close"),
    ("stall", False, "send headers and half of a 200 body, then hang until shutdown"),
    ("next_host", "", "next/previous links point to this origin (e.g. http://127.0.0.2:9)"),
    ("redirect_to", "", "every API request gets 302 to this origin, same path and query"),
    ("escapes", False, "terminal escape sequences in messages, loggers, apps and traces"),
    ("huge_trace", 0.0, "the newest entry has a trace of this many MB"),
    ("huge_fields", "", "the newest entry's app, logger and message: 'x' then TEXT repeated N "
     "times, given as N:TEXT (e.g. 1000000:\u0301, 2 MB of combining marks)"),
    ("grow", 0, "every API request adds N new entries at the top"),
    ("shrink", 0, "every API request deletes N entries from the middle"),
    ("purge_page", 0, "the first list request for this page first purges purge_oldest entries"),
    ("purge_oldest", 0, "entries purge_page deletes: the oldest, as retention does"),
    ("count_override", "", "report this raw JSON value as count (e.g. -5, '\"abc\"', null)"),
    ("results_not_list", False, "results is an object instead of a list"),
    ("duplicate_ids", False, "page k+1 starts with page k's last entry"),
    ("hostile", False, "the newest entries each carry one HOSTILE payload in every text field"),
    ("invalid_utf8", False, "the newest entry's message holds raw invalid UTF-8 bytes"),
    ("lean", False, "one-line messages and no traces: cheap enough for 100,000-entry pages"),
    ("reflect_auth", False, "authentication failures quote the Authorization header received"),
    ("spy", False, "no API: what the handler does not answer gets a 404 (a bare recorder)"),
    ("cache", False, "generate every entry once, at start, and keep it (the benchmarks)"),
    ("stats", False, "count requests in flight, CPU and turnaround (GET /__control__)"),
    ("workers", 1, "serve the port from N worker processes (implies --stats)"),
]
DEFAULTS = {name: default for name, default, _ in OPTIONS}
FIXED_OPTIONS = ("host", "port", "port_file", "stats", "workers")  # fixed at start

# ---------------------------------------------------------------- ids and times

MASK64 = (1 << 64) - 1
ID_BLOCK = 32            # ids are handed out in blocks of 32; missing slots are deleted rows
PURGE_ONE_IN = 40        # now and then a block was purged almost entirely: a big id gap
MAX_MISSING = 6          # an ordinary block lacks 0..6 of its ids
INTERVAL_US = 37_000_000  # one entry every 37 s on average
WHOLE_SECOND_ONE_IN = 100  # rows imported from the ERP have no fractional seconds
EPOCH = datetime(1970, 1, 1)
END_US = (datetime(2026, 11, 26, 9, 0, 0) - EPOCH) // timedelta(microseconds=1)


def mix(*parts):
    """splitmix64 over the parts: stable across runs, unlike the salted hash()."""
    z = 0x9E3779B97F4A7C15
    for p in parts:
        z = (z ^ (p & MASK64)) * 0xBF58476D1CE4E5B9 & MASK64
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB & MASK64
        z ^= z >> 31
    return z


@functools.lru_cache(maxsize=8192)
def block_slots(seed, block, present):
    return sorted(random.Random(mix(seed, block, 2)).sample(range(ID_BLOCK), present))


def iso(us):
    # DRF: datetime.isoformat() with "+00:00" replaced by "Z"; isoformat drops a zero
    # microsecond part, so whole-second rows come out as "...:30Z".
    return (EPOCH + timedelta(microseconds=us)).isoformat() + "Z"


class Dataset:
    """The log at start-up: `count` entries, j = 0 the oldest. Only cum[] is stored."""

    def __init__(self, seed, count):
        self.seed, self.count = seed, count
        self.cum = [0]  # cum[b] = number of entries in the blocks before b
        while self.cum[-1] < count:
            self.cum.append(self.cum[-1] + self._present(len(self.cum) - 1))

    def _present(self, b):
        h = mix(self.seed, b, 1)
        if h % PURGE_ONE_IN == 0:
            return (h >> 8) % 3
        return ID_BLOCK - MAX_MISSING + (h >> 8) % (MAX_MISSING + 1)

    def _slots(self, b):
        return block_slots(self.seed, b, self.cum[b + 1] - self.cum[b])

    def id_of(self, j):
        b = bisect.bisect_right(self.cum, j) - 1
        return b * ID_BLOCK + self._slots(b)[j - self.cum[b]] + 1

    def index_of(self, id_):
        b, s = divmod(id_ - 1, ID_BLOCK)
        if id_ < 1 or b >= len(self.cum) - 1:
            return None
        slots = self._slots(b)
        k = bisect.bisect_left(slots, s)
        if k == len(slots) or slots[k] != s or self.cum[b] + k >= self.count:
            return None
        return self.cum[b] + k

    def created_us(self, j):
        t = END_US - (self.count - 1 - j) * INTERVAL_US
        t += mix(self.seed, j, 3) % (INTERVAL_US // 2)  # jitter < interval keeps the order
        if mix(self.seed, j, 4) % WHOLE_SECOND_ONE_IN == 0:
            t -= t % 1_000_000
        return t


class Store:
    """The log as the API sees it now: grown entries on top of the base minus deletions."""

    def __init__(self, seed, count):
        self.seed, self.base = seed, Dataset(seed, count)
        self.grown = []        # (id, created_us), oldest first
        self.grown_ids = {}
        self.deleted = []      # sorted base positions (0 = newest base entry)
        self.version = 0

    def __len__(self):
        return len(self.grown) + self.base.count - len(self.deleted)

    def _base_pos(self, q):
        # The q-th surviving base entry: least fixed point of i = q + #deleted <= i.
        i = q
        while True:
            ni = q + bisect.bisect_right(self.deleted, i)
            if ni == i:
                return i
            i = ni

    def at(self, p):
        """(id, created_us) at position p, 0 = newest."""
        g = len(self.grown)
        if p < g:
            return self.grown[g - 1 - p]
        j = self.base.count - 1 - self._base_pos(p - g)
        return self.base.id_of(j), self.base.created_us(j)

    def ids(self):
        """Every id, newest first: a faster walk than at() for scans."""
        yield from (id_ for id_, _ in reversed(self.grown))
        gone, n = set(self.deleted), self.base.count
        yield from (self.base.id_of(n - 1 - i) for i in range(n) if i not in gone)

    def find(self, id_):
        if id_ in self.grown_ids:
            return self.grown_ids[id_]
        j = self.base.index_of(id_)
        if j is None:
            return None
        i = self.base.count - 1 - j
        k = bisect.bisect_left(self.deleted, i)
        if k < len(self.deleted) and self.deleted[k] == i:
            return None
        return self.base.created_us(j)

    def grow(self, n):
        for _ in range(n):
            if self.grown:
                last_id, last_us = self.grown[-1]
            elif self.base.count:
                last_id = self.base.id_of(self.base.count - 1)
                last_us = self.base.created_us(self.base.count - 1)
            else:
                last_id, last_us = 0, END_US
            h = mix(self.seed, last_id, 5)
            entry = (last_id + 1 + (h % 4 == 0) * (h >> 8) % 3,
                     last_us + 200_000 + (h >> 16) % 4_800_000)
            self.grown.append(entry)
            self.grown_ids[entry[0]] = entry[1]
        self.version += 1

    def shrink(self, n):
        for _ in range(n):
            total, g = len(self), len(self.grown)
            if total == 0:
                break
            p = total // 2
            if p < g:
                del self.grown_ids[self.grown.pop(g - 1 - p)[0]]
            else:
                bisect.insort(self.deleted, self._base_pos(p - g))
        self.version += 1

    def purge_oldest(self, n):
        """Retention: the n oldest entries go, which moves no position from the top."""
        for _ in range(min(n, len(self))):
            total, g = len(self), len(self.grown)
            if total > g:
                bisect.insort(self.deleted, self._base_pos(total - 1 - g))
            else:
                del self.grown_ids[self.grown.pop(0)[0]]
        self.version += 1


# ---------------------------------------------------------------- entry content

APPS = {
    "order_service": ["oms.orders.tasks", "oms.orders.allocation", "oms.orders.api.views",
                      "oms.orders.status"],
    "shipment": ["oms.shipment.carriers.yurtici", "oms.shipment.carriers.aras",
                 "oms.shipment.labels", "oms.shipment.tracking"],
    "erp_integration": ["oms.integrations.erp.client", "oms.integrations.erp.sync",
                        "oms.integrations.erp.stock", "celery.app.trace"],
    "payment": ["oms.payment.gateway", "oms.payment.refunds", "oms.payment.reconciliation"],
    "omnishop": ["omnishop.catalog.sync", "omnishop.checkout", "omnishop.webhooks",
                 "django.request"],
    "marketplace": ["oms.marketplace.trendyol", "oms.marketplace.hepsiburada",
                    "oms.marketplace.amazon"],
}
APP_NAMES = list(APPS)
# Level by h % 1000 below each bound: ~0.5% each NOTSET/25/45, 1% CRITICAL, 8% ERROR.
LEVEL_BOUNDS, LEVELS = [5, 10, 15, 25, 105, 205, 600], [0, 25, 45, 50, 40, 30, 20, 10]
CUSTOMERS = ["Ayşe Yılmaz", "Şükrü Öztürk", "İbrahim Çakır", "Gülşen Doğan", "Ömer Güneş",
             "Çağla Işık", "Emre Kılıç", "Zeynep Aydın", "Hans Müller", "山田 太郎"]
CITIES = ["İstanbul", "İzmir", "Ankara", "Eskişehir", "Muğla", "Çanakkale", "Şanlıurfa",
          "Diyarbakır", "Iğdır", "Gümüşhane"]
CARRIERS = ["Yurtiçi Kargo", "Aras Kargo", "MNG Kargo", "PTT Kargo", "UPS Türkiye"]
WAREHOUSES = ["IST-01", "IST-02", "ANK-01", "IZM-03", "GEB-DC"]
MARKETS = ["Trendyol", "Hepsiburada", "n11", "Amazon TR", "Çiçeksepeti"]
TEMPLATES = {
    0: ["heartbeat", "worker {pid} alive", "root logger message without a level: {order}"],
    10: ["Cache miss for stock:{sku}@{wh}",
         "GET https://erp.example.com.tr/api/stock/{sku} -> 200 in {ms} ms",
         "Allocation candidates for {order}: {wh}, IST-02, ANK-01 (scores 0.91, 0.77, 0.42)",
         "Webhook payload from {market} for {order}:\n{payload}",
         "Stock sync batch: {skulist}",
         "SQL took {ms} ms: SELECT \"orders_order\".\"id\" FROM \"orders_order\" "
         "WHERE \"orders_order\".\"number\" = '{order}'",
         "Tracking poll for {track}: status=IN_TRANSIT, şube={city} Aktarma Merkezi"],
    20: ["Order {order} created via {market} ({n} items, {amount} TL)",
         "Order {order} allocated to warehouse {wh}",
         "Shipment {track} handed over to {carrier} — {city}",
         "Sipariş {order} onaylandı; müşteri: {customer}, teslimat şehri: {city}",
         "Kargo {track} {carrier} tarafından teslim alındı 🚚",
         "Ödeme alındı: {order}, tutar {amount} ₺ ✅",
         "İade talebi oluşturuldu: {order} — gerekçe: “Ürün hasarlı geldi, kutu ıslanmış” 📦",
         "注文 {order} を出荷しました（{carrier}）",
         "订单 {order} 已发货，仓库 {wh}，承运商 {carrier}",
         "배송 완료: {track} 🎉",
         "Customer {customer} updated the delivery note:\n"
         "\"Lütfen zile basmayın 👶\n\tKapıcıya bırakabilirsiniz.\"",
         "ERP export finished: {n} orders in {ms} ms\n{payload}",
         "Stock sync finished: {n} SKUs updated in {ms} ms",
         "Team 👩‍💻 deployed omnishop 4.{n}.0 🇹🇷"],
    25: ["AUDIT: {customer} changed the status of {order} to SHIPPED",
         "AUDIT: price override for {sku}: {amount} TL (onay: Şükrü Öztürk)"],
    30: ["Retrying ERP call for {order} (attempt {attempt}/5): read timeout after 30s",
         "Stock for {sku} at {wh} is below the safety level ({n} left)",
         "Carrier {carrier} answered slowly: {ms} ms",
         "Adres doğrulanamadı: {order} — posta kodu eksik ({city}, {customer})",
         "Duplicate webhook from {market} ignored for {order}",
         "3-D Secure challenge failed twice for {order}; müşteri bilgilendirildi"],
}

STD = "/usr/lib/python3.11/"
SITE = "/opt/oms/venv/lib/python3.11/site-packages/"
SRC = "/srv/oms/"
CELERY = [(SITE + "celery/app/trace.py", "trace_task", "R = retval = fun(*args, **kwargs)"),
          (SITE + "celery/app/trace.py", "__protected_call__",
           "return self.run(*args, **kwargs)")]
DJANGO = [(SITE + "django/core/handlers/exception.py", "inner",
           "response = get_response(request)"),
          (SITE + "django/core/handlers/base.py", "_get_response",
           "response = wrapped_callback(request, *callback_args, **callback_kwargs)"),
          (SITE + "django/views/decorators/csrf.py", "_view_wrapper",
           "return view_func(request, *args, **kwargs)"),
          (SITE + "rest_framework/views.py", "dispatch",
           "response = handler(request, *args, **kwargs)")]
SOCKET_READ = [(STD + "http/client.py", "getresponse", "response.begin()"),
               (STD + "http/client.py", "begin", "version, status, reason = self._read_status()"),
               (STD + "http/client.py", "_read_status",
                'line = str(self.fp.readline(_MAXLINE + 1), "iso-8859-1")'),
               (STD + "socket.py", "readinto", "return self._sock.recv_into(b)"),
               (STD + "ssl.py", "recv_into", "return self.read(nbytes, buffer)"),
               (STD + "ssl.py", "read", "return self._sslobj.read(len, buffer)")]
JSON_LOADS = [(STD + "json/__init__.py", "loads", "return _default_decoder.decode(s)"),
              (STD + "json/decoder.py", "decode",
               "obj, end = self.raw_decode(s, idx=_w(s, 0).end())"),
              (STD + "json/decoder.py", "raw_decode",
               'raise JSONDecodeError("Expecting value", s, err.value) from None')]
DB_UTILS = SITE + "django/db/backends/utils.py"
DB_EXEC = [(SITE + "django/db/models/query.py", "update",
            "rows = query.get_compiler(self.db).execute_sql(CURSOR)"),
           (SITE + "django/db/models/sql/compiler.py", "execute_sql",
            "cursor.execute(sql, params)"),
           (DB_UTILS, "execute", "return self._execute_with_wrappers("),
           (DB_UTILS, "_execute", "with self.db.wrap_database_errors:"),
           (SITE + "django/db/utils.py", "__exit__",
            "raise dj_exc_value.with_traceback(traceback) from exc_value"),
           (DB_UTILS, "_execute", "return self.cursor.execute(sql, params)")]
CAUSE = "\n\nThe above exception was the direct cause of the following exception:\n\n"
CONTEXT = "\n\nDuring handling of the above exception, another exception occurred:\n\n"
ERP_HOST = "HTTPSConnectionPool(host='erp.example.com.tr', port=443)"


def tb(rng, frames, exc):
    """One traceback in Python 3.11's format (carets under part of some lines)."""
    out = ["Traceback (most recent call last):"]
    for frame in frames:
        path, func, code = frame[:3]
        line = frame[3] if len(frame) > 3 else rng.randint(12, 980)
        out.append('  File "%s", line %d, in %s\n    %s' % (path, line, func, code))
        m = re.match(r"(return |[\w., \[\]]+ = )", code)
        if m and len(frame) == 3 and rng.random() < 0.5:
            out.append("    " + " " * m.end() + "^" * (len(code) - m.end()))
    out.append(exc)
    return "\n".join(out)


# Error scenarios: a message and a chain of tracebacks, each (frames, final line), joined by
# CAUSE or CONTEXT as Python prints them. {names} are filled in from vocab().
NO_WAREHOUSE = ("Allocation failed for order {order}", [
    (CELERY + [(SRC + "oms/orders/tasks.py", "allocate_order",
                "warehouse = allocation.pick_warehouse(order)"),
               (SRC + "oms/orders/allocation.py", "pick_warehouse",
                "raise NoWarehouseAvailable(order.number, missing)")],
     "oms.exceptions.NoWarehouseAvailable: order {order}: no warehouse has stock for {sku} "
     "(checked {wh}, ANK-01, IZM-03)")])
ERP_TIMEOUT = ("ERP sync failed for {order}", [
    (SOCKET_READ, "TimeoutError: The read operation timed out"), CONTEXT,
    ([(SITE + "urllib3/connectionpool.py", "_make_request",
       "self._raise_timeout(err=e, url=url, timeout_value=read_timeout)"),
      (SITE + "urllib3/connectionpool.py", "_raise_timeout", "raise ReadTimeoutError(")],
     "urllib3.exceptions.ReadTimeoutError: " + ERP_HOST + ": Read timed out. (read timeout=30)"),
    CONTEXT,
    ([(SRC + "oms/integrations/erp/client.py", "post",
       "response = self.session.post(url, json=payload, timeout=self.timeout)"),
      (SITE + "requests/sessions.py", "request", "resp = self.send(prep, **send_kwargs)"),
      (SITE + "requests/sessions.py", "send", "r = adapter.send(request, **kwargs)"),
      (SITE + "requests/adapters.py", "send", "raise ReadTimeout(e, request=request)")],
     "requests.exceptions.ReadTimeout: " + ERP_HOST + ": Read timed out. (read timeout=30)"),
    CONTEXT,
    (CELERY + [(SRC + "oms/integrations/erp/sync.py", "push_order",
                "self.client.post(\"/orders/\", payload)"),
               (SRC + "oms/integrations/erp/client.py", "post",
                "raise ErpSyncError(f\"ERP did not answer for {number}\")")],
     "oms.integrations.erp.exceptions.ErpSyncError: ERP did not answer for {order}")])
CARRIER_JSON = ("Gönderi oluşturulamadı: {order} ({carrier})", [
    ([(SITE + "requests/models.py", "json", "return complexjson.loads(self.text, **kwargs)")]
     + JSON_LOADS, "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"),
    CONTEXT,
    ([(SRC + "oms/shipment/carriers/base.py", "parse", "return response.json()"),
      (SITE + "requests/models.py", "json", "raise RequestsJSONDecodeError(e.msg, e.doc, e.pos)")],
     "requests.exceptions.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"),
    CAUSE,
    (CELERY + [(SRC + "oms/shipment/tasks.py", "create_shipment",
                "label = carrier.create(shipment)"),
               (SRC + "oms/shipment/carriers/base.py", "parse",
                "raise CarrierResponseInvalid(self.name, response.status_code) from e")],
     "oms.shipment.exceptions.CarrierResponseInvalid: {carrier} returned a non-JSON body "
     "(HTTP 502) for shipment {track}")])
# psycopg2 messages end with a newline, so these traces end with an empty line, as in real logs.
DEADLOCK_TEXT = ("deadlock detected\nDETAIL:  Process {pid} waits for ShareLock on transaction "
                 "48812731; blocked by process 4712.\nProcess 4712 waits for ShareLock on "
                 "transaction 48812729; blocked by process {pid}.\nHINT:  See server log for "
                 "query details.\nCONTEXT:  while updating tuple (1834,12) in relation "
                 "\"orders_order\"\n")
UNIQUE_TEXT = ("duplicate key value violates unique constraint \"orders_order_number_key\"\n"
               "DETAIL:  Key (number)=({order}) already exists.\n")
SET_STATUS = [(SRC + "oms/orders/services.py", "set_status",
               "Order.objects.filter(pk=order.pk).update(status=new_status)")]
DEADLOCK = ("Status update failed for {order}", [
    (DB_EXEC[-1:], "psycopg2.errors.DeadlockDetected: " + DEADLOCK_TEXT), CAUSE,
    (CELERY + SET_STATUS + DB_EXEC, "django.db.utils.OperationalError: " + DEADLOCK_TEXT)])
UNIQUE = ("Could not import order {order} from {market}", [
    (DB_EXEC[-1:], "psycopg2.errors.UniqueViolation: " + UNIQUE_TEXT), CAUSE,
    (CELERY + SET_STATUS + DB_EXEC, "django.db.utils.IntegrityError: " + UNIQUE_TEXT)])
LABEL = ("Kargo etiketi oluşturulamadı: {order} ({customer})", [
    (CELERY + [(SRC + "oms/shipment/labels.py", "render_label",
                "canvas.drawString(40, 700, address.full_name)"),
               (SITE + "reportlab/pdfgen/canvas.py", "drawString", "t.textLine(text)"),
               (SITE + "reportlab/pdfbase/pdfmetrics.py", "encode",
                "return text.encode(self.encoding)")],
     "UnicodeEncodeError: 'latin-1' codec can't encode character '\\u0131' in position 7: "
     "ordinal not in range(256)")])
ADDRESS = ("Adres doğrulama hatası: {order}", [
    (DJANGO + [(SRC + "oms/orders/api/views.py", "create",
                "serializer.is_valid(raise_exception=True)"),
               (SRC + "oms/orders/api/serializers.py", "validate_address",
                "raise AddressValidationError(code, district, city)")],
     "oms.exceptions.AddressValidationError: Geçersiz posta kodu \"34X00\" — ilçe: Şişli, "
     "il: {city}")])
PAYMENT = ("Ödeme alınamadı: {order}", [
    (CELERY + [(SRC + "oms/payment/tasks.py", "capture",
                "result = gateway.capture(order.payment)"),
               (SRC + "oms/payment/gateway.py", "capture",
                "transaction_id = body[\"transactionId\"]")], "KeyError: 'transactionId'"),
    CAUSE,
    ([(SRC + "oms/payment/gateway.py", "capture",
       "raise PaymentCaptureFailed(order.number, amount) from exc")],
     "oms.payment.exceptions.PaymentCaptureFailed: capture failed for {order} ({amount} TRY): "
     "unexpected gateway response")])
REDIS = ("Stock reservation failed for {sku}", [
    ([(SITE + "redis/connection.py", "connect", "sock = self.retry.call_with_retry("),
      (SITE + "redis/connection.py", "_connect", "sock.connect(socket_address)")],
     "ConnectionRefusedError: [Errno 111] Connection refused"), CONTEXT,
    (CELERY + [(SRC + "oms/integrations/erp/stock.py", "reserve",
                "with cache.lock(f\"stock:{sku}\", timeout=30):"),
               (SITE + "redis/connection.py", "connect",
                "raise ConnectionError(self._error_message(e))")],
     "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.")])
WORKER_LOST = ("Celery worker lost while processing {order}", [
    ([(SITE + "billiard/pool.py", "mark_as_worker_lost", "raise WorkerLostError(")],
     "billiard.exceptions.WorkerLostError: Worker exited prematurely: signal 9 (SIGKILL) "
     "Job: {n}.")])
RECURSION = "recursion"  # built by recursion_trace(): hundreds of frames


def recursion_trace(rng, depth):
    tree = SRC + "omnishop/catalog/tree.py"
    body = [(tree, "build_tree", "children = [_walk(c, depth + 1) for c in node.children]", 41),
            (tree, "<listcomp>", "children = [_walk(c, depth + 1) for c in node.children]", 41),
            (tree, "_walk", "return build_tree(child, depth)", 57)]
    head = DJANGO + [(SRC + "omnishop/catalog/views.py", "tree",
                      "return Response(build_tree(root, 0))")]
    return tb(rng, head + body * depth,
              "RecursionError: maximum recursion depth exceeded while calling a Python object")


def error_content(rng, scenario, v):
    """(message, trace) of one error scenario."""
    if scenario is RECURSION:
        return ("Category tree rendering failed (catalog %d)" % v["n"],
                recursion_trace(rng, rng.randint(100, 320)))
    message, chain = scenario
    trace = "".join(part if isinstance(part, str) else tb(rng, part[0], part[1].format(**v))
                    for part in chain)
    return message.format(**v), trace


ERRORS = {
    "order_service": [NO_WAREHOUSE, NO_WAREHOUSE, DEADLOCK],
    "shipment": [CARRIER_JSON, LABEL, ADDRESS],
    "erp_integration": [ERP_TIMEOUT, ERP_TIMEOUT, REDIS],
    "payment": [PAYMENT, PAYMENT, ERP_TIMEOUT],
    "omnishop": [RECURSION, ADDRESS, REDIS, REDIS, PAYMENT],
    "marketplace": [UNIQUE, CARRIER_JSON],
}
WARN_TRACES = [ERP_TIMEOUT, CARRIER_JSON, REDIS]

ESCAPES = [
    "\x1b[2J", "\x1b]0;pwned\x07", "\x1b[H", "\x1b[10;20H", "\x1b[31m", "\x1b[0m",
    "\x1b]52;c;ZWNobyBwd25lZAo=\x07",                         # OSC 52 clipboard write
    "\x1b]8;;http://evil.example/\x1b\\click me\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1bP$q\"p\x1b\\",                                      # DCS (DECRQSS)
    "\x9b2J", "\u202e", "\u2066", "\u2069", "\r", "\b", "\x00", "\ud800", "\x7f",
    "\x1b[?1049h", "\x1b[6n", "\u2028",
]
ALL_ESCAPES = ("escape test: " + "".join("<%d:%s>" % (i, e) for i, e in enumerate(ESCAPES))
               + " invoice_\u202efdp.exe")


# Hostile payloads as they stand between the quotes of a JSON string: JSON may not hold raw
# control characters, so those are \u escapes; everything else is the raw UTF-8 a server
# could send. With --hostile, the k-th newest entry carries HOSTILE[k] in its message,
# logger, app and trace (so the first len(HOSTILE) entries cover the corpus).
_E, _BEL, _ST = b"\\u001b", b"\\u0007", b"\\u001b\\\\"  # ESC, BEL, ESC backslash
HOSTILE = [
    ("title-osc0", _E + b"]0;PWNED-TITLE" + _BEL),
    ("title-osc2", _E + b"]2;PWNED-TITLE2" + _ST),
    ("clear", _E + b"[2J" + _E + b"[3J" + _E + b"[H" + _E + b"[J"),
    ("cursor", _E + b"[10;20H" + _E + b"[5A" + _E + b"7" + _E + b"[99C" + _E + b"8"
     + _E + b"[1;1f" + _E + b"D" + _E + b"M"),
    ("color", _E + b"[31;41m" + _E + b"[5;9m" + _E + b"[38;2;255;0;0m"),
    ("osc8", _E + b"]8;;http://evil.example/" + _ST + b"click me" + _E + b"]8;;" + _ST),
    ("osc52", _E + b"]52;c;UFdORUQtQ0xJUA==" + _BEL),  # base64 of PWNED-CLIP
    ("dcs", _E + b'P$q\\"p' + _ST + _E + b"P1000p" + _ST),
    ("tmux-passthrough", _E + b"Ptmux;" + _E + _E + b"]52;c;UFdORUQtQ0xJUA==" + _BEL + _ST),
    ("csi-8bit", b"\xc2\x9b2J\xc2\x9b31m"),            # U+009B, 8-bit CSI, as UTF-8
    ("osc-8bit", b"\xc2\x9d0;PWNED-C1\xc2\x9c"),       # U+009D OSC ... U+009C ST
    ("c1", b"\\u0085\\u008d\\u0090\\u009f\xc2\x8e"),
    ("surrogate", b"lone \\ud800 low \\udfff high \\ud83d end"),
    ("nul", b"before\\u0000after"),
    ("bidi", b"\xe2\x80\xaeevil.exe\xe2\x80\xac \\u2066iso\\u2069 \\u202a \\u200f"),
    ("cr", b"innocent text\\rEVIL"),
    ("bs", b"good text\\b\\b\\b\\bEVIL"),
    ("bell-charset", _BEL + b"\\u000e\\u000f" + _E + b"(0" + _E + b")0lqqk"),
    ("del", b"x\x7fy"),
    ("reset", _E + b"c" + _E + b"[!p"),
    ("modes", _E + b"[?1049l" + _E + b"[?1000h" + _E + b"[?25l" + _E + b"[?2004h"
     + _E + b"[4h" + _E + b"[?6h" + _E + b"[5;10r" + _E + b"[?7l" + _E + b"[?1h" + _E + b"="),
    ("query", _E + b"[6n" + _E + b"[c" + _E + b"[>c" + _E + b"]11;?" + _BEL + _E + b"[21t"),
    ("separators", b"line\\u2028sep\\u2029para"),
    ("wide", "注文 🚚 👩\u200d💻 e\u0301\u0301x zero\u200bwidth ﷽".encode()),
    ("tab-lf", b"a\\tb\\nc"),
]
# Raw bytes that are not UTF-8 (overlong forms, a bare 8-bit CSI byte, a cut sequence,
# UTF-8-encoded surrogates, bytes never valid): what a non-Python server might send.
INVALID_UTF8 = (b"invalid utf-8: overlong \xc0\xaf \xe0\x80\xaf \xc1\x81 bare-csi \x9b2J "
                b"cut \xe2\x82 never \xff\xfe surrogate \xed\xa0\x80 end")
RAW_MARK_RE = re.compile(rb"@@RAW(\d+)@@")


def hostile_fields(k):
    """Placeholders for entry k's fields; splice_raw puts the raw payload in."""
    mark = "@@RAW%d@@" % k
    return {"message": "%s: %s :end" % (HOSTILE[k][0], mark), "logger_name": "lg." + mark,
            "app_name": "ap" + mark,
            "trace": 'Traceback (most recent call last):\n  File "x.py", line 1, in f\n    '
                     + mark + "\nValueError: " + mark}


def splice_raw(body):
    """Replace each @@RAWk@@ placeholder (ASCII, survives json.dumps) by the raw bytes."""
    def raw(m):
        k = int(m.group(1))
        return INVALID_UTF8 if k == len(HOSTILE) else HOSTILE[k][1]
    return RAW_MARK_RE.sub(raw, body)


def meta(seed, id_, escapes):
    """Level and app name: cheap, so that server-side filters can scan a big log."""
    h = mix(seed, id_, 6)
    level = LEVELS[bisect.bisect_right(LEVEL_BOUNDS, h % 1000)]
    app = APP_NAMES[(h >> 10) % len(APP_NAMES)]
    if escapes and (h >> 20) % 13 == 0:
        app += ESCAPES[1]
    return level, app


def vocab(rng):
    v = dict(order="OS-2026-%06d" % rng.randrange(10**6),
             sku="TR-%05d-%s" % (rng.randrange(10**5), rng.choice("S M L XL 38 42".split())),
             customer=rng.choice(CUSTOMERS), city=rng.choice(CITIES),
             carrier=rng.choice(CARRIERS), wh=rng.choice(WAREHOUSES),
             market=rng.choice(MARKETS), n=rng.randint(1, 250), ms=rng.randint(3, 30000),
             amount="%d,%02d" % (rng.randint(20, 25000), rng.randrange(100)),
             track="%s%010d" % (rng.choice(["YK", "AR", "MNG", "PTT"]), rng.randrange(10**10)),
             attempt=rng.randint(1, 5), pid=rng.randint(1000, 60000))
    lines = [{"sku": "TR-%05d" % rng.randrange(10**5), "qty": rng.randint(1, 4),
              "price": "%d.%02d" % (rng.randint(20, 3000), rng.randrange(100))}
             for _ in range(rng.randint(3, 9))]
    v["payload"] = json.dumps({"number": v["order"], "customer": v["customer"],
                               "address": {"city": v["city"], "line1": "Atatürk Cad. No:12 D:4",
                                           "district": "Kadıköy"}, "lines": lines},
                              ensure_ascii=False, indent=2)
    v["skulist"] = ", ".join("TR-%05d=%d" % (rng.randrange(10**5), rng.randint(0, 500))
                             for _ in range(rng.randint(40, 90)))
    return v


@functools.lru_cache(maxsize=4096)
def content(seed, id_, escapes):
    """(level, logger_name, message, app_name, trace) of entry id_: a pure function."""
    level, app = meta(seed, id_, False)
    rng = random.Random(mix(seed, id_, 7))
    v = vocab(rng)
    logger = rng.choice(APPS[app])
    if level >= 40 or (level == 30 and rng.random() < 0.2):
        scenario = rng.choice(ERRORS[app] if level != 30 else WARN_TRACES)
        if level == 50 and rng.random() < 0.3:
            scenario = WORKER_LOST
        message, trace = error_content(rng, scenario, v)
        if level == 30:
            message = "Retrying after error: " + message
    else:
        message = rng.choice(TEMPLATES[level]).format(**v)
        trace = "" if rng.random() < 0.7 else None
    if escapes:  # decorations use their own generator so the plain content stays the same
        erng = random.Random(mix(seed, id_, 8))
        app = meta(seed, id_, True)[1]
        if erng.random() < 0.25:
            k = erng.randrange(len(message) + 1)
            message = message[:k] + erng.choice(ESCAPES) + message[k:]
        if erng.random() < 0.15:
            logger += erng.choice(ESCAPES)
        if trace and erng.random() < 0.3:
            trace = trace.replace("\nTraceback", "\n" + erng.choice(ESCAPES) + "Traceback", 1)
            trace += erng.choice(ESCAPES)
    return level, logger, message, app, trace


@functools.lru_cache(maxsize=4)
def huge_trace(mb):
    # The same generator each time, so the head frames and so the lengths are exact.
    def build(depth):
        return recursion_trace(random.Random(0), depth)
    base = len(build(0))
    per_level = len(build(1)) - base
    return build(max(1, math.ceil((mb * 1_000_000 - base) / per_level)))


# ---------------------------------------------------------------- django-filter lookups

# The filterable fields and the form field django-filter gives each (NumberFilter: a
# DecimalField; CharFilter: a stripping CharField; DRF's IsoDateTimeFilter).
FILTER_FIELDS = {"level": "number", "app_name": "char", "logger_name": "char", "id": "number",
                 "created_at": "datetime"}
LOOKUP_TYPES = ("exact", "in", "gte", "lte", "gt", "lt")
# The reference server's FilterSets (bench/drf/oms_drf/views.py), in declaration order: a
# 400 lists the invalid parameters in this order.
FULL_FILTERS = ["level", "level__in", "level__gte", "level__lte", "app_name", "app_name__in",
                "logger_name", "logger_name__in", "id__lt", "id__lte", "id__gt", "id__gte",
                "created_at__gte", "created_at__lte", "created_at__gt", "created_at__lt"]
ALL_FILTERS = FULL_FILTERS + [
    f if t == "exact" else f + "__" + t for f in FILTER_FIELDS for t in LOOKUP_TYPES
    if (f if t == "exact" else f + "__" + t) not in FULL_FILTERS]
LOOKUP_PARAMS = ALL_FILTERS + ["search", "ordering", "sort"]
# --lookups presets: the reference server's OMS_FILTERS modes, and "all" (every lookup).
LOOKUP_PRESETS = {
    "none": [], "exact": ["level", "app_name", "logger_name"],
    "full": FULL_FILTERS + ["search", "ordering"], "full-sort": FULL_FILTERS + ["search", "sort"],
    "all": ALL_FILTERS + ["search", "ordering"],
}
LIAR_MODES = ("ignore", "drop")
SEARCH_FIELDS = ("message", "logger_name", "app_name", "trace")  # what --search-fields may name
ORDERING_FIELDS = ("id", "created_at")
MAX_NUMBER = Decimal(1e50)  # django-filter's NumberFilter: MaxValueValidator(1e50)
# Django 3.2's parse_datetime (Debian bookworm), which IsoDateTimeField uses: no date alone.
DATETIME_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"[T ](?P<hour>\d{1,2}):(?P<minute>\d{1,2})"
    r"(?::(?P<second>\d{1,2})(?:[\.,](?P<microsecond>\d{1,6})\d{0,6})?)?"
    r"\s*(?P<tzinfo>Z|[+-]\d{2}(?::?\d{2})?)?$")
Filter = namedtuple("Filter", "field lookup value liar")


def lookup_names(text):
    """The parameters a --lookups value names: comma-separated names and presets."""
    names = []
    for word in (w.strip() for w in text.split(",")):
        if word in LOOKUP_PRESETS:
            names += LOOKUP_PRESETS[word]
        elif word in LOOKUP_PARAMS:
            names.append(word)
        elif word:
            raise ValueError("unknown lookup: %s (one of %s, or a preset: %s)"
                             % (word, ", ".join(LOOKUP_PARAMS), ", ".join(LOOKUP_PRESETS)))
    return names


def liar_modes(text):
    """{parameter: mode} of a --liars value such as "level__gte:ignore,search:drop"."""
    modes = {}
    for word in (w.strip() for w in text.split(",")):
        if not word:
            continue
        name, _, mode = word.partition(":")
        if name not in LOOKUP_PARAMS or mode not in LIAR_MODES:
            raise ValueError("bad liar: %s (PARAM:MODE, MODE one of %s)"
                             % (word, ", ".join(LIAR_MODES)))
        modes[name] = mode
    return modes


def number_value(text):
    """forms.DecimalField (strip, Decimal, finite, <= 1e50), then IntegerField's int()."""
    try:
        d = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("Enter a number.")
    if not d.is_finite():
        raise ValueError("Enter a number.")
    if d > MAX_NUMBER:
        raise ValueError("Ensure this value is less than or equal to 1e+50.")
    return int(d)  # Django 3.2's IntegerField.get_prep_value: truncation, 20.9 is 20


def char_value(text):
    if "\x00" in text:
        raise ValueError("Null characters are not allowed.")
    return text.strip()


def datetime_value(text):
    """Microseconds since the epoch (UTC) of an IsoDateTimeField value; naive is UTC."""
    m = DATETIME_RE.match(text.strip())
    if not m:
        raise ValueError("Enter a valid date/time.")
    kw = m.groupdict()
    tz, micro = kw.pop("tzinfo"), (kw.pop("microsecond") or "").ljust(6, "0")
    offset = 0
    if tz not in (None, "Z"):
        offset = 60 * int(tz[1:3]) + (int(tz[-2:]) if len(tz) > 3 else 0)
        offset = -offset if tz[0] == "-" else offset
    try:
        if abs(offset) >= 24 * 60:  # datetime.timezone refuses it: Django says invalid
            raise ValueError
        dt = datetime(*(int(v or 0) for v in kw.values()), int(micro))
    except ValueError:
        raise ValueError("Enter a valid date/time.")
    return (dt - EPOCH) // timedelta(microseconds=1) - offset * 60_000_000


PARSERS = {"number": number_value, "char": char_value, "datetime": datetime_value}


def filter_value(kind, lookup, raw):
    """The cleaned value, None for "no filter" (django-filter skips blank values), or
    ValueError with the form's message. An `in` value is split at commas (BaseCSVWidget);
    blank items match nothing, so `level__in=,` matches no row."""
    if lookup != "in":
        if raw == "" or (kind == "char" and not raw.strip()):
            return None
        return PARSERS[kind](raw)
    if raw == "":
        return None
    items = [PARSERS[kind](v) for v in raw.split(",") if v != ""]
    return frozenset(v for v in items if v != "")


def pg_upper(text):
    """PostgreSQL's upper() under a libc UTF-8 locale: one character at a time, so 'ß'
    stays 'ß' where Python's str.upper() makes it 'SS'."""
    return "".join(u if len(u) == 1 else c for c, u in ((c, c.upper()) for c in text))


def search_fields(text):
    """The fields a --search-fields value names, in its order."""
    names = [w.strip() for w in text.split(",") if w.strip()]
    for name in names:
        if name not in SEARCH_FIELDS:
            raise ValueError("unknown search field: %s (one of %s)"
                             % (name, ", ".join(SEARCH_FIELDS)))
    return tuple(names)


def search_terms(raw):
    """DRF 3.14's SearchFilter.get_search_terms: NULs dropped, commas are spaces."""
    return tuple(raw.replace("\x00", "").replace(",", " ").split())


def ordering_terms(raw):
    """DRF's OrderingFilter: comma-separated, invalid fields dropped; () = the default."""
    terms = (t.strip() for t in raw.split(","))
    return tuple(t for t in terms if (t[1:] if t.startswith("-") else t) in ORDERING_FIELDS)


def matches(value, lookup, wanted):
    if lookup == "exact":
        return value == wanted
    if lookup == "in":
        return value in wanted
    return {"gte": value >= wanted, "lte": value <= wanted,
            "gt": value > wanted, "lt": value < wanted}[lookup]


def liar_drops(seed, id_):
    """The rows a "drop" liar leaves out: about one matching row in four."""
    return mix(seed, id_, 9) % 4 == 0


def query_filters(get, o):
    """(filters, search, ordering, errors) of a request's query: what the mock honours
    (--lookups, --server-filters, --liars) parsed as django-filter and DRF parse it.
    filters: Filter tuples; search: (terms, liar) or None; ordering: (terms, liar)."""
    honoured = set(lookup_names(o["lookups"]))
    if o["server_filters"]:
        honoured |= {"level", "level__gte", "app_name"}
    liars = liar_modes(o["liars"])
    honoured |= set(liars)
    filters, errors = [], {}
    for name in ALL_FILTERS:
        raw = get(name)
        if name not in honoured or raw is None:
            continue
        field, _, lookup = name.partition("__")
        try:
            value = filter_value(FILTER_FIELDS[field], lookup or "exact", raw)
        except ValueError as e:
            errors[name] = [str(e)]
            continue
        if value is not None:
            filters.append(Filter(field, lookup or "exact", value, liars.get(name)))
    search = None
    if "search" in honoured and search_terms(get("search", "")):
        search = (search_terms(get("search", "")), liars.get("search"))
    ordering = ((), None)
    for name in ("ordering", "sort"):
        if name in honoured and ordering_terms(get(name, "")):
            ordering = (ordering_terms(get(name, "")), liars.get(name))
    return filters, search, ordering, errors


# ---------------------------------------------------------------- HTTP layer

# How a reply goes out (mode): "normal"; "truncate": the first `cut` bytes of the body
# (default half), then close; "stall": the first `cut` bytes, then hold the connection
# until the server stops; "reset": no reply, the connection closed with a TCP reset;
# "chunked": Transfer-Encoding: chunked instead of Content-Length; "raw": the body is the
# whole response as it goes on the wire (status line, headers and all: broken framing),
# then close. `informational` is a
# list of (status, headers) sent first (a 103 Early Hints). Bodies are bytes (str is
# sent as UTF-8), so a handler can send any bytes at all.
Reply = namedtuple("Reply", "status headers body mode cut informational",
                   defaults=((), b"", "normal", None, ()))
SURROGATE_RE = re.compile("[\ud800-\udfff]")
DRF_HEADERS = [("Vary", "Accept"), ("Allow", "GET, HEAD, OPTIONS"),
               ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"),
               ("Referrer-Policy", "same-origin"), ("Cross-Origin-Opener-Policy", "same-origin")]
NOT_PROVIDED = "Authentication credentials were not provided."
MALFORMED = b'{"count": 3000, "next": "http://x/?page=2", "results": [{"id": 7 "level": 20,'
NGINX_PAGE = ("<html>\r\n<head><title>{0} {1}</title></head>\r\n<body>\r\n<center><h1>{0} {1}"
              "</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n")
DJANGO_500 = ('<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n'
              '</head>\n<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n')
HTML_TYPE = ("Content-Type", "text/html; charset=utf-8")
CHUNK_BYTES = 64 * 1024  # one chunk of a chunked reply
MIB = 1 << 20
# Hostile replies for mode="raw": HTTP framing a server must not send.
RAW_OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
RAW_REPLIES = {
    "chunk": RAW_OK + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "neglen": RAW_OK + b"Content-Length: -5\r\n\r\n{}",
    "unkenc": RAW_OK + b"Content-Length: 2\r\nContent-Encoding: snappy9\r\n\r\n{}",
    "liegzip": RAW_OK + b"Content-Length: 10\r\nContent-Encoding: gzip\r\n\r\nnot gzip!!",
    "bighdr": RAW_OK + b"X-Big: " + b"a" * 300000 + b"\r\nContent-Length: 2\r\n\r\n{}",
    "http09": b"SSH-2.0-OpenSSH_9.2\r\n\r\n",
}


def gzip_bomb(mib, cache={}):  # noqa: B006 - the cache is the point
    """gzip of mib MiB of zeros (~1 KB per MiB), built once per size."""
    if mib not in cache:
        z = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
        block = bytes(MIB)
        cache[mib] = b"".join([z.compress(block) for _ in range(mib)] + [z.flush()])
    return cache[mib]


def render_json(obj):
    """DRF's JSONRenderer: compact, ensure_ascii=False, U+2028/U+2029 escaped. Python keeps a
    lone surrogate in the text; write it as an escape as json.dumps(ensure_ascii=True) does."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return SURROGATE_RE.sub(lambda m: "\\u%04x" % ord(m.group()), text).encode("utf-8")


def json_reply(status, obj, extra=(), body=None):
    """A DRF JSON reply; obj may also be bytes (hand-built JSON, sent as it is)."""
    if body is None:
        body = obj if isinstance(obj, bytes) else render_json(obj)
    return Reply(status, [("Content-Type", "application/json")] + DRF_HEADERS + list(extra),
                 body)


NOT_FOUND = json_reply(404, {"detail": "Not found."})


class Hooks:
    """Where a test or a benchmark extends the mock (MockServer(hooks=...) or srv.hooks):
    subclass and override what you need; each default does what the plain mock does.

    respond(mock, req, answer)   every request but /__control__: return answer(req), or
                                 wrap it (count, hold back or delay requests), or reply
                                 otherwise. req: see MockServer.respond.
    control(mock, method, body, apply)  a /__control__ request: return apply(method, body)
    describe(mock, description)  GET /__control__'s description: add state to it
    connection(mock, conn, opened)  a TCP connection was accepted (opened) or closed
    request_line(handler)        a request line was read: the client's turn has ended
    request_done(handler, cpu_s) a request was answered; cpu_s: its thread CPU time

    A plain function answering requests is simpler: MockServer(handler=fn), fn(req)
    returning a Reply, or None to let the DRF API answer."""

    def respond(self, mock, req, answer):
        return answer(req)

    def control(self, mock, method, body, apply):
        return apply(method, body)

    def describe(self, mock, description):
        pass

    def connection(self, mock, conn, opened):
        pass

    def request_line(self, handler):
        pass

    def request_done(self, handler, cpu_s):
        pass


def error_reply(status):
    if status == 503:  # DRF's ServiceUnavailable
        return json_reply(503, {"detail": "Service temporarily unavailable, try again later."})
    if status == 500:
        return Reply(500, [HTML_TYPE], DJANGO_500.encode())
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return Reply(status, [("Content-Type", "text/html")],
                 NGINX_PAGE.format(status, phrase).encode())


def query_url(url, key, value=None):
    """DRF's replace_query_param (value given) / remove_query_param (value None)."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    qd = parse_qs(query, keep_blank_values=True)
    qd.pop(key, None)
    if value is not None:
        qd[key] = [str(value)]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(qd.items()), doseq=True), fragment))


def coerce(name, value):
    name = name.replace("-", "_")
    if name not in DEFAULTS:
        raise ValueError("unknown option: %s" % name)
    if name == "count_override":  # stored as raw JSON text; "" = off
        if value is None or value == "":
            return name, ""
        if isinstance(value, str):
            try:
                json.loads(value)
                return name, value
            except ValueError:
                pass
        return name, json.dumps(value)
    default = DEFAULTS[name]
    if isinstance(default, bool):
        if isinstance(value, str):
            return name, value.strip().lower() in ("1", "true", "yes", "on")
        return name, bool(value)
    if isinstance(default, (int, float)):
        return name, type(default)(value)
    value = "" if value is None else str(value)
    if name == "lookups":
        lookup_names(value)  # raises ValueError on an unknown name
    elif name == "liars":
        liar_modes(value)
    elif name == "search_fields":
        search_fields(value)
    return name, value


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every reply carries Content-Length

    def version_string(self):
        return "gunicorn"

    def setup(self):
        super().setup()
        # Headers and body go out in two send() calls; without TCP_NODELAY,
        # Nagle's algorithm and the client's delayed ACK hold the body ~40 ms
        # on a kept-alive connection. Real front ends (nginx) set it.
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass  # not a TCP socket: nothing to tune
        self.server.mock.track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.mock.track(self.connection, False)

    def parse_request(self):
        self.server.mock.hooks.request_line(self)
        return super().parse_request()

    def handle_one_request(self):
        # Thread CPU time: blocking on the next request of a kept-alive connection
        # costs none, so this is the parse, the answer and the send.
        t0 = time.thread_time()
        try:
            super().handle_one_request()
        finally:
            self.server.mock.hooks.request_done(self, time.thread_time() - t0)

    def log_message(self, fmt, *args):
        if self.server.mock.opts["log_requests"]:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    def serve(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length, self.close_connection = 0, True
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True  # we never read chunked bodies: do not reuse
        body = self.rfile.read(length) if length > 0 else b""
        r = self.server.mock.respond(self.command, self.path, self.headers, body)
        try:
            self.send(r)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # clients hanging up mid-reply are normal

    def send(self, r):
        if r.mode == "raw":
            self.close_connection = True
            self.wfile.write(r.body)
            self.wfile.flush()
            return
        if r.mode == "reset":  # SO_LINGER with a zero timeout makes close() send RST
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            return
        for status, headers in r.informational:
            self.send_response_only(status)
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
        body = r.body.encode("utf-8") if isinstance(r.body, str) else r.body
        self.send_response(r.status)
        for k, v in r.headers:
            self.send_header(k, v)
        if r.mode == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if r.mode == "normal":
            self.wfile.write(body)
            return
        if r.mode == "chunked":
            for i in range(0, len(body), CHUNK_BYTES):
                part = body[i:i + CHUNK_BYTES]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        self.wfile.write(body[:len(body) // 2 if r.cut is None else r.cut])
        self.wfile.flush()
        if r.mode == "stall":
            self.server.mock.stopping.wait()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


for _method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
    setattr(Handler, "do_" + _method, Handler.serve)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def server_bind(self):
        # HTTPServer.server_bind calls getfqdn(), which can hang on a machine without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):  # clients hanging up are normal
            super().handle_error(request, client_address)


class Server6(Server):
    address_family = socket.AF_INET6


class MockServer:
    """The one mock HTTP server of the tests and benchmarks: the DRF API, its fault
    switches (OPTIONS), request recording, and two ways to script it: handler(req)
    answers requests itself (returning None lets the API answer), and hooks (a Hooks)
    wrap and observe it. Every request except /__control__ is recorded."""

    def __init__(self, handler=None, hooks=None, **options):
        self.initial = dict(DEFAULTS)
        self.initial.update(coerce(k, v) for k, v in options.items())
        self.opts = dict(self.initial)
        self.handler, self.hooks = handler, hooks or Hooks()
        self.lock = threading.RLock()
        self.log_lock = threading.Lock()
        self.stopping = threading.Event()
        # {"method", "path", "headers" (a dict; repeated names joined by ", "), "raw" (the
        # request line and headers as received)} of every request but /__control__.
        self.requests = deque(maxlen=10000)
        self.connections = 0                 # accepted so far (keep-alive tests count them)
        self.open = set()
        self.entry_cache = {}
        # busy_above: API requests being answered now, and (monotonic time, in flight at
        # arrival, refused) for each arrival, in order.
        self.in_flight = 0
        self.arrivals = []
        self.httpd = None
        self.port, self.url = None, None
        self.reset_state()

    def reset_state(self):
        self.store = Store(self.opts["seed"], self.opts["count"])
        self.flaky_rng = random.Random(self.opts["seed"])
        self.filter_key, self.filter_positions = None, None
        if self.opts["cache"]:
            self.warm_cache()

    def warm_cache(self):
        """With cache, every entry is generated now (before the port opens, so worker
        processes inherit them) and kept; see cacheable()."""
        o = self.opts
        if self.cacheable(o):
            for p in range(len(self.store)):
                self.entry(*self.store.at(p), o)

    def start(self):
        self.stopping.clear()
        host = self.opts["host"]
        self.httpd = (Server6 if ":" in host else Server)((host, self.opts["port"]), Handler)
        self.httpd.mock = self
        self.port = self.httpd.server_address[1]
        self.url = "http://%s:%d" % ("[%s]" % host if ":" in host else host, self.port)
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                         daemon=True).start()
        return self

    def restart(self):
        """Start again after stop(), on the same port: a server that comes back."""
        self.opts["port"] = self.port
        return self.start()

    def stop(self):
        self.stopping.set()  # wakes delayed and stalled handlers
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        self.close_open_connections()

    def close_open_connections(self):
        """Shut down every connection still open: idle keep-alive connections
        would otherwise linger after the server stopped."""
        with self.lock:
            conns = list(self.open)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def track(self, conn, opened):
        with self.lock:
            if opened:
                self.connections += 1
                self.open.add(conn)
            else:
                self.open.discard(conn)
        self.hooks.connection(self, conn, opened)

    def set(self, **changes):
        """Change options at runtime; raises ValueError (and changes nothing) on a bad one."""
        with self.lock:
            reset, reset_data = changes.pop("reset", False), changes.pop("reset_data", False)
            new = dict(coerce(k, v) for k, v in changes.items())
            fixed = [k for k in new if k in FIXED_OPTIONS and new[k] != self.opts[k]]
            if fixed:
                raise ValueError("cannot change at runtime: %s" % ", ".join(fixed))
            if reset:
                self.opts = dict(self.initial)
            rebuild = reset or reset_data or any(
                k in ("seed", "count") and new[k] != self.opts[k] for k in new)
            self.opts.update(new)
            if rebuild:
                self.reset_state()
        return self

    def describe(self):
        with self.lock:
            d = {"options": dict(self.opts),
                 "state": {"url": self.url, "count": len(self.store),
                           "grown": len(self.store.grown), "deleted": len(self.store.deleted),
                           "requests": len(self.requests), "connections": self.connections}}
        self.hooks.describe(self, d)
        return d

    def record(self, req, log_file):
        hdrs = {}
        for k, v in req["headers"].items():
            hdrs[k] = hdrs[k] + ", " + v if k in hdrs else v
        rec = {"method": req["method"], "path": req["path"], "headers": hdrs, "raw": req["raw"]}
        with self.lock:
            self.requests.append(rec)
        if log_file:
            with self.log_lock, open(log_file, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec) + "\n")

    def dump(self):
        """Every request line and header received (but /__control__'s), as one string."""
        with self.lock:
            return "".join(r["raw"] for r in self.requests)

    def count(self):
        """Requests received (but /__control__)."""
        with self.lock:
            return len(self.requests)

    def respond(self, method, raw_path, headers, body=b""):
        """The reply to one request. A handler or the hooks get it as req: a dict of
        method, path (as sent), headers (an email.message.Message), body (bytes), raw
        (the request line and headers) and server (this MockServer)."""
        if unquote(urlsplit(raw_path).path) == CONTROL_PATH:
            return self.hooks.control(self, method, body, self.control)
        raw = "%s %s\n%s" % (method, raw_path,
                              "".join("%s: %s\n" % kv for kv in headers.items()))
        req = {"method": method, "path": raw_path, "headers": headers, "body": body,
               "raw": raw, "server": self}
        return self.hooks.respond(self, req, self.answer)

    def answer(self, req):
        """What the mock answers req with: the handler's reply, or the DRF API's."""
        method, raw_path, headers = req["method"], req["path"], req["headers"]
        split = urlsplit(raw_path)
        path = unquote(split.path)
        with self.lock:
            o = dict(self.opts)
        self.record(req, o["log_file"])
        if o["busy_above"] > 0 and urlsplit(raw_path).path.startswith(API_PATH):
            return self.answer_busy(req, o)
        return self.answer_recorded(req, o)

    def answer_busy(self, req, o):
        """busy_above: refuse what arrives above the limit, count the rest while answered."""
        with self.lock:
            self.in_flight += 1
            refused = self.in_flight > o["busy_above"]
            self.arrivals.append((time.monotonic(), self.in_flight, refused))
        try:
            if not refused:
                return self.answer_recorded(req, o)
            extra = []
            if o["busy_retry_after"] >= 0:
                secs = o["busy_retry_after"]
                extra.append(("Retry-After", formatdate(time.time() + secs, usegmt=True)
                              if o["busy_retry_date"] else str(secs)))
            r = error_reply(503) if o["busy_status"] == 503 else json_reply(
                o["busy_status"], {"detail": "Request was throttled."})
            return r._replace(headers=list(r.headers) + extra)
        finally:
            with self.lock:
                self.in_flight -= 1

    def answer_recorded(self, req, o):
        method, raw_path, headers = req["method"], req["path"], req["headers"]
        split = urlsplit(raw_path)
        path = unquote(split.path)
        handler = self.handler
        r = handler(req) if handler else None
        if r is not None:
            return r
        if o["spy"]:
            return NOT_FOUND
        if o["delay"] > 0:
            self.stopping.wait(o["delay"])
        if o["redirect_to"]:
            return Reply(302, [("Location", o["redirect_to"].rstrip("/") + raw_path), HTML_TYPE])
        r = self.gateway_fault(o) or self.route(method, path, split, headers, o)
        if o["gzip"] and r.body and "gzip" in headers.get("Accept-Encoding", "").lower():
            r = r._replace(body=gzip.compress(r.body),
                           headers=list(r.headers) + [("Content-Encoding", "gzip"),
                                                      ("Vary", "Accept-Encoding")])
        return r

    def control(self, method, body):
        if method == "POST":
            try:
                changes = json.loads(body.decode("utf-8") or "{}")
                if not isinstance(changes, dict):
                    raise ValueError("expected a JSON object")
                self.set(**changes)
            except (ValueError, TypeError, UnicodeDecodeError) as e:
                return json_reply(400, {"detail": str(e)})
        elif method not in ("GET", "HEAD"):
            return json_reply(405, {"detail": 'Method "%s" not allowed.' % method})
        return json_reply(200, self.describe())

    def gateway_fault(self, o):
        """Failures of a proxy in front of Django: before routing and authentication."""
        with self.lock:
            if self.opts["fail_5xx"] > 0:
                self.opts["fail_5xx"] -= 1
                return error_reply(o["fail_status"])
            if o["flaky_5xx"] > 0 and self.flaky_rng.random() < o["flaky_5xx"]:
                return error_reply(self.flaky_rng.choice((502, 503)))
        return error_reply(502) if o["html_error"] else None

    def authenticate(self, headers, o):
        """DRF TokenAuthentication + IsAuthenticated; None when the request may pass."""
        if o["no_auth"]:
            return None
        parts = headers.get("Authorization", "").encode("latin-1", "replace").split()
        status, detail = 401, None
        if not parts or parts[0].lower() != b"token":
            detail = NOT_PROVIDED  # no header, or another scheme: an anonymous user
        elif len(parts) == 1:
            detail = "Invalid token header. No credentials provided."
        elif len(parts) > 2:
            detail = "Invalid token header. Token string should not contain spaces."
        else:
            try:
                key = parts[1].decode("utf-8")
            except UnicodeError:
                key, detail = None, ("Invalid token header. Token string should not contain "
                                     "invalid characters.")
            if key is not None and key == o["forbidden_token"] and key:
                return json_reply(403, {"detail": "You do not have permission to perform "
                                                  "this action."})
            if key is not None and key != o["token"]:
                detail = "Invalid token."
        if detail is None:
            return None
        if o["reflect_auth"]:  # a careless proxy or middleware echoing what it was sent
            detail += " (Authorization: %s)" % headers.get("Authorization", "")
        if o["auth_403"]:  # DRF when the first authentication class sends no WWW-Authenticate
            return json_reply(403, {"detail": detail})
        return json_reply(status, {"detail": detail}, [("WWW-Authenticate", "Token")])

    def route(self, method, path, split, headers, o):
        m = DETAIL_RE.fullmatch(path)
        if path != API_PATH and not m:
            if not path.endswith("/") and (path + "/" == API_PATH
                                           or DETAIL_RE.fullmatch(path + "/")):
                # Django's CommonMiddleware (APPEND_SLASH): a relative Location.
                loc = split.path + "/" + ("?" + split.query if split.query else "")
                return Reply(301, [HTML_TYPE, ("Location", loc)])
            return json_reply(404, {"detail": "Not found."})
        denied = self.authenticate(headers, o)
        if denied:
            return denied
        with self.lock:  # DRF order: authentication, permissions, throttles, then the method
            if self.opts["rate_limit"] > 0:
                self.opts["rate_limit"] -= 1
                return json_reply(429, {"detail": "Request was throttled. Expected available "
                                                  "in 1 second."}, [("Retry-After", "1")])
        if method == "OPTIONS":
            return json_reply(200, {
                "name": "Action Log " + ("Instance" if m else "List"), "description": "",
                "renders": ["application/json"],
                "parses": ["application/json", "application/x-www-form-urlencoded",
                           "multipart/form-data"]})
        if method not in ("GET", "HEAD"):
            return json_reply(405, {"detail": 'Method "%s" not allowed.' % method})
        with self.lock:
            if o["grow"] > 0:
                self.store.grow(o["grow"])
            if o["shrink"] > 0:
                self.store.shrink(o["shrink"])
            if o["purge_page"] > 0 and not m and parse_qs(split.query).get(
                    "page", ["1"])[-1] == str(o["purge_page"]):
                self.opts["purge_page"] = 0  # once: retention runs now and then
                self.store.purge_oldest(o["purge_oldest"])
            r = self.detail(m.group(1), o) if m else self.list(split, headers, o)
        if r.status == 200 and o["malformed"]:
            r = r._replace(body=MALFORMED)
        if r.status == 200 and o["truncated_json"]:
            r = r._replace(body=r.body[:len(r.body) // 2])
        if r.status == 200 and (o["truncate"] or o["stall"]):
            r = r._replace(mode="truncate" if o["truncate"] else "stall")
        return r

    @staticmethod
    def cacheable(o):
        """Content is a pure function of the seed and the id, except with these."""
        return o["cache"] and not any(o[k] for k in ("escapes", "huge_trace", "hostile",
                                                      "invalid_utf8"))

    def entry(self, id_, created_us, o):
        if not self.cacheable(o):
            return self.make_entry(id_, created_us, o)
        key = (id_, created_us, o["seed"], o["lean"])
        e = self.entry_cache.get(key)
        if e is None:
            e = self.entry_cache[key] = self.make_entry(id_, created_us, o)
        return e

    def make_entry(self, id_, created_us, o):
        if o["lean"]:
            level, app = meta(o["seed"], id_, False)
            logger, message, trace = APPS[app][id_ % len(APPS[app])], "lean entry %d" % id_, ""
        else:
            level, logger, message, app, trace = content(o["seed"], id_, o["escapes"])
        newest = len(self.store) > 0 and self.store.at(0)[0] == id_
        if newest and o["escapes"]:
            message = ALL_ESCAPES
        if newest and o["huge_trace"] > 0:
            trace = huge_trace(o["huge_trace"])
        if newest and o["huge_fields"]:
            times, text = o["huge_fields"].split(":", 1)
            logger = message = app = "x" + text * int(times)
        e = {"id": id_, "level": level, "logger_name": logger, "message": message,
             "app_name": app, "trace": trace, "created_at": iso(created_us)}
        if o["hostile"]:
            k = self.newest_ids(len(HOSTILE)).get(id_)
            if k is not None:
                e.update(hostile_fields(k))
        if newest and o["invalid_utf8"]:
            e["message"] = "@@RAW%d@@" % len(HOSTILE)
        return e

    def newest_ids(self, n):
        """{id: position} of the n newest entries (kept until the log changes)."""
        key = (self.store.version, n)
        if getattr(self, "_newest_key", None) != key:
            self._newest = {self.store.at(p)[0]: p for p in range(min(n, len(self.store)))}
            self._newest_key = key
        return self._newest

    def detail(self, lookup, o):
        try:
            id_ = int(lookup)  # Django's IntegerField does int(): " 12", "+12", "1_2" work
        except ValueError:
            return json_reply(404, {"detail": "Not found."})
        created = self.store.find(id_)
        if created is None:
            return json_reply(404, {"detail": "Not found."})
        r = json_reply(200, self.entry(id_, created, o))
        return r._replace(body=splice_raw(r.body)) if o["hostile"] or o["invalid_utf8"] else r

    def filtered(self, o, filters, search, ordering):
        """Store positions of the entries a query selects, in the order asked for."""
        key = (self.store.version, o["seed"], o["escapes"], tuple(filters), search, ordering,
               o["search_fields"])
        if key == self.filter_key:
            return self.filter_positions
        # Level and app alone come cheaply from meta(); anything else from the entry served.
        cheap = (all(f.field in ("level", "app_name", "id") for f in filters) and not search
                 and not (o["hostile"] or o["huge_fields"]))
        rows = []
        for p, id_ in enumerate(self.store.ids()):
            created = self.store.find(id_)
            if cheap:
                e = dict(zip(("level", "app_name"),
                             meta(o["seed"], id_, o["escapes"] and not o["lean"])))
            else:
                e = dict(self.entry(id_, created, o))
            e.update(id=id_, created_at=created)
            if self.selects(o, e, filters, search):
                rows.append((p, e))
        terms, liar = ordering
        if terms and liar != "ignore":  # stable sorts, last key first; ties keep -id
            for t in reversed(terms):
                rows.sort(key=lambda r: r[1][t.lstrip("-")], reverse=t.startswith("-"))
        if liar == "drop":
            rows = [r for r in rows if not liar_drops(o["seed"], r[1]["id"])]
        self.filter_key, self.filter_positions = key, [p for p, _ in rows]
        return self.filter_positions

    @staticmethod
    def selects(o, e, filters, search):
        """Whether entry e passes the filters and the search, liars included."""
        for f in filters:
            if f.liar == "ignore":
                continue
            if not matches(e[f.field], f.lookup, f.value):
                return False
            if f.liar == "drop" and liar_drops(o["seed"], e["id"]):
                return False
        if search and search[1] != "ignore":
            fields = [pg_upper(e[name] or "") for name in search_fields(o["search_fields"])]
            if not all(any(pg_upper(t) in v for v in fields) for t in search[0]):
                return False  # every term in at least one field (icontains)
            if search[1] == "drop" and liar_drops(o["seed"], e["id"]):
                return False
        return True

    def list(self, split, headers, o):
        params = parse_qs(split.query, keep_blank_values=True)

        def get(name, default=None):  # QueryDict.get: the last value
            return params[name][-1] if name in params else default

        positions = None
        filters, search, ordering, errors = query_filters(get, o)
        if errors:  # django-filter's form errors, before pagination
            return json_reply(400, errors)
        if filters or search or ordering[0] or ordering[1] == "drop":
            positions = self.filtered(o, filters, search, ordering)
        count = len(self.store) if positions is None else len(positions)
        size, size_param = o["page_size"], "limit" if o["limit_param"] else o["page_size_param"]
        if size_param and size_param in params:
            try:  # DRF's _positive_int(strict=True, cutoff=max_page_size)
                n = int(get(size_param))
                if n > 0:
                    size = min(n, o["max_page_size"]) if o["max_page_size"] > 0 else n
            except ValueError:
                pass
        num_pages = max(1, math.ceil(count / size))  # Django allows an empty first page
        page = get("page", "1")
        try:
            number = num_pages if page == "last" else int(page)
        except ValueError:
            number = 0
        if number < 1 or number > num_pages:
            return json_reply(404, {"detail": "Invalid page."})
        start, end = (number - 1) * size, min(number * size, count)
        if o["duplicate_ids"] and number > 1:
            start -= 1  # the previous page's last entry again
        results = []
        for p in range(start, end):
            id_, created = self.store.at(p if positions is None else positions[p])
            results.append(self.entry(id_, created, o))
        host = headers.get("Host") or "%s:%d" % (o["host"], self.port)
        url = "http://%s%s" % (host, urlunsplit(("", "", split.path, split.query, "")))
        nxt = query_url(url, "page", number + 1) if number < num_pages else None
        prev = None if number == 1 else query_url(url, "page", number - 1 if number > 2 else None)
        if o["next_host"]:
            other = urlsplit(o["next_host"])
            nxt, prev = (None if u is None else urlunsplit(other[:2] + urlsplit(u)[2:])
                         for u in (nxt, prev))
        if o["results_not_list"]:
            results = {str(e["id"]): e for e in results}
        rest = render_json({"next": nxt, "previous": prev, "results": results})
        if o["hostile"] or o["invalid_utf8"]:
            rest = splice_raw(rest)
        raw_count = o["count_override"] or str(count)
        return json_reply(200, None, body=b'{"count":' + raw_count.encode() + b"," + rest[1:])


# ---------------------------------------------------------------- command line

def parse_args(argv):
    ap = argparse.ArgumentParser(description="Mock of the OMS action-log DRF API.",
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    for name, default, text in OPTIONS:
        flag = "--" + name.replace("_", "-")
        if isinstance(default, bool):
            ap.add_argument(flag, action="store_true", help=text)
        else:
            ap.add_argument(flag, type=type(default), default=default, help=text)
    return ap.parse_args(argv)


def announce(port, port_file):
    """Tell the starter the port: the port file (if asked for) and "PORT n" on stdout."""
    if port_file:  # write then rename, so a reader never sees half a file
        with open(port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(port_file + ".tmp", port_file)
    print("PORT %d" % port, flush=True)


def main(argv=None):
    args = parse_args(argv)
    if args.workers < 1:
        sys.stderr.write("mock_oms: --workers must be at least 1\n")
        return 2
    if args.stats or args.workers > 1:
        import mock_workers
        return mock_workers.main(args)
    try:
        server = MockServer(**vars(args)).start()
    except OSError as e:
        sys.stderr.write("mock_oms: cannot listen on %s:%d: %s\n" % (args.host, args.port, e))
        return 1
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):  # before the port is told: a stop may follow
        signal.signal(sig, lambda *_: stop.set())
    announce(server.port, args.port_file)
    while not stop.wait(0.2):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    # Run the module as "mock_oms", so mock_workers (which imports it) shares this copy.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import mock_oms
    sys.exit(mock_oms.main())
