-- The action-log table (Django does not manage it: see oms_drf/models.py).
CREATE TABLE action_log (
    id bigint PRIMARY KEY,
    level integer NOT NULL,
    logger_name varchar(255) NOT NULL,
    message text NOT NULL,
    app_name varchar(64) NOT NULL,
    trace text,
    created_at timestamptz NOT NULL
);
