-- Indexes on the filtered columns, built after the load (faster than during it).
CREATE INDEX action_log_level ON action_log (level);
CREATE INDEX action_log_app_name ON action_log (app_name);
CREATE INDEX action_log_logger_name ON action_log (logger_name);
CREATE INDEX action_log_created_at ON action_log (created_at);
VACUUM ANALYZE action_log;
