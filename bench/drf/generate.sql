-- :n synthetic entries, newest last: ids with ~3% gaps (deleted rows), created_at over the
-- 30 days before 2026-11-26 09:00 UTC, increasing with id (jitter below half a step, 1%
-- cut to whole seconds: the order holds while a step, 30 days / n, exceeds 2 s). Levels:
-- 0 0.5%, 10 39%, 20 40%, 25 0.5%, 30 10%, 40 8.5%, 50 1.1%, 55 0.4%, except in wms, a
-- failing warehouse system: 14% of its entries are 50 or 55 (about 14,300 of 10^6 match
-- level__gte=50&app_name=wms, as on the server the figures of the issue came from). Ten
-- apps equally likely, three or four loggers each; traces on errors and some warnings.
-- Deterministic: setseed() and one sequential scan.
SELECT setseed(0.42) \g /dev/null
CREATE TEMP TABLE raw AS
    SELECT i, random() AS r_level, random() AS r_app, random() AS r_msg, random() AS r_jit,
           random() AS r_num
    FROM generate_series(1, (:n * 1.04)::bigint + 100) AS i
    WHERE random() >= 0.03;
CREATE TEMP TABLE picked AS
    SELECT *, row_number() OVER (ORDER BY i) AS k FROM raw ORDER BY i LIMIT :n;
INSERT INTO action_log (id, level, logger_name, message, app_name, trace, created_at)
SELECT i, level, logger, message, app,
       CASE WHEN level >= 40 OR (level = 30 AND r_msg < 0.2) THEN
           'Traceback (most recent call last):' || E'\n'
           || '  File "/srv/oms/' || replace(logger, '.', '/') || '.py", line '
           || (12 + (r_num * 900)::int) || ', in handle' || E'\n'
           || '    result = self.process(order)' || E'\n'
           || (ARRAY['oms.exceptions.NoWarehouseAvailable: no warehouse has stock',
                     'requests.exceptions.ReadTimeout: Read timed out. (read timeout=30)',
                     'django.db.utils.OperationalError: deadlock detected',
                     'KeyError: ''transactionId'''])[1 + (r_msg * 4)::int % 4]
       WHEN r_msg < 0.7 THEN '' END,
       created_at
FROM (
    SELECT p.*, level, app,
           (ARRAY['oms.' || app || '.tasks', 'oms.' || app || '.api.views',
                  'oms.' || app || '.services', 'celery.app.trace'])
               [1 + (r_msg * 1000)::int % (3 + floor(r_num * 2)::int)] AS logger,
           CASE
               WHEN level >= 40 THEN
                   (ARRAY['Allocation failed for order OS-2026-', 'ERP sync failed for OS-2026-',
                          'Ödeme alınamadı: OS-2026-', 'Status update failed for OS-2026-'])
                       [1 + (r_msg * 4)::int % 4] || lpad((r_num * 1e6)::int::text, 6, '0')
               WHEN level = 30 THEN
                   'Retrying ERP call for OS-2026-' || lpad((r_num * 1e6)::int::text, 6, '0')
                   || ' (attempt ' || (1 + (r_msg * 5)::int % 5) || '/5): read timeout after 30s'
               WHEN level = 25 THEN
                   'AUDIT: price override for TR-' || lpad((r_num * 1e5)::int::text, 5, '0')
               WHEN level = 20 THEN
                   (ARRAY['Order OS-2026-%s allocated to warehouse IST-01',
                          'Sipariş OS-2026-%s onaylandı; teslimat şehri: İstanbul',
                          'Shipment YK%s handed over to Yurtiçi Kargo',
                          'Stock sync finished: %s SKUs updated'])
                       [1 + (r_msg * 4)::int % 4]
               WHEN level = 10 THEN
                   (ARRAY['Cache miss for stock:TR-%s@IST-02',
                          'GET https://erp.example.com.tr/api/stock/%s -> 200',
                          'Tracking poll for AR%s: status=IN_TRANSIT'])
                       [1 + (r_msg * 3)::int % 3]
               ELSE 'heartbeat %s'
           END AS template,
           (TIMESTAMPTZ '2026-11-26 09:00:00+00' - INTERVAL '30 days'
            + (k - 1 + r_jit * 0.5) * (INTERVAL '30 days' / :n)) AS t
    FROM picked p,
         LATERAL (SELECT CASE
                      WHEN floor(r_app * 10) = 6 AND r_level >= 0.856 THEN
                          CASE WHEN r_level < 0.97 THEN 50 ELSE 55 END
                      WHEN r_level < 0.005 THEN 0 WHEN r_level < 0.395 THEN 10
                      WHEN r_level < 0.795 THEN 20 WHEN r_level < 0.800 THEN 25
                      WHEN r_level < 0.900 THEN 30 WHEN r_level < 0.985 THEN 40
                      WHEN r_level < 0.996 THEN 50 ELSE 55 END AS level,
                  (ARRAY['order_service', 'shipment', 'erp_integration', 'payment', 'omnishop',
                         'marketplace', 'wms', 'stock', 'invoice', 'notification'])
                      [1 + floor(r_app * 10)::int] AS app) AS c
) AS s,
LATERAL (SELECT replace(template, '%s', lpad((r_num * 1e6)::int::text, 6, '0')) AS message,
                CASE WHEN r_jit * 100 < 1 THEN date_trunc('second', t) ELSE t END
                    AS created_at) AS m;
