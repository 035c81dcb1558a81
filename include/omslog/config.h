/* config.h — settings from the config file, the environment and flags.
 *
 * Contract: precedence is flags > environment > file > defaults; the caller
 * (main) applies them in that order: config_defaults, config_load_file,
 * config_apply_env, then its own flag values through config_set. A config or
 * token file readable or writable by group or others is refused (like ssh).
 * struct config owns its strings; config_free releases them. The token is
 * never printed; use config_mask_token for diagnostics.
 *
 * Profiles: "[profile NAME]" sections of the config file hold any key (plus
 * production = true) and apply over the top-level keys when NAME is in use:
 * -p/--profile (config_choose_profile's flag) > OMSLOG_PROFILE > the file's
 * top-level default_profile. Only the profile in use is applied, so only its
 * token_file is read (with the token file rule).
 *
 * The pairing rule (config_finish), when a profile is in use: a token is sent
 * only to the URL from its own source. A token from the environment or a
 * flag pairs only with a URL from the environment or a flag. A token from a
 * profile section pairs with a URL of that profile's origin (its url, or the
 * top-level url when the profile has none); a top-level token pairs with a
 * URL of the top-level url's origin (http_same_origin). Anything else, e.g.
 * OMSLOG_TOKEN with -p B whose url comes from [profile B], is refused with
 * OMSLOG_ERR_CONFIG before any request. Without a profile nothing changes. */
#ifndef OMSLOG_CONFIG_H
#define OMSLOG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "omslog/caps.h"
#include "omslog/error.h"

#define CONFIG_DEFAULT_CONNECT_TIMEOUT_S 10
#define CONFIG_DEFAULT_TIMEOUT_S 60
#define CONFIG_DEFAULT_LOW_SPEED_TIME_S 30
#define CONFIG_DEFAULT_RETRIES 4
#define CONFIG_DEFAULT_CACHE_PAGES 64
/* Bytes of entries the browser's page cache holds (store.h: pages on screen
 * are kept beyond it). */
#define CONFIG_DEFAULT_CACHE_BYTES (64L * 1024 * 1024)
#define CONFIG_DEFAULT_FOLLOW_S 5
#define CONFIG_DEFAULT_PARALLEL 4
/* Entries a page asked for with ?page_size=N. A server that honours it (DRF's
 * PageNumberPagination with page_size_query_param = "page_size") answers 10x
 * fewer requests for a scan; one that ignores it (DRF's default) or clamps it
 * (max_page_size) is followed at the size it uses: omslog learns the real
 * size from the number of results on the first full page. 0 asks for nothing
 * and always gets the server's default. The size is sent under both names DRF
 * views use, page_size and limit (url_page): a server honours the one its
 * paginator reads and ignores the other. */
#define CONFIG_DEFAULT_PAGE_SIZE 100
#define CONFIG_TOKEN_MAX 4096
/* Largest decoded response (a page or an entry) accepted: far above any real
 * page, far below what would exhaust memory (gzip decodes ~1000:1). */
#define CONFIG_DEFAULT_MAX_RESPONSE (32L * 1024 * 1024)
/* Seconds one request may spend waiting for and making retries (429, 5xx,
 * resets) before it fails: a Retry-After longer than what is left fails it at
 * once. Per request, so a long export is not bounded by it. */
#define CONFIG_DEFAULT_RETRY_BUDGET_S 60
/* Pages a client-side scan may read before the browser asks first (y/n,
 * with the cost) and `list --all` on a terminal states the cost: 1000 pages
 * of 100 is ~100,000 entries, a minute or so of a real server's time. */
#define CONFIG_DEFAULT_BIG_SCAN_PAGES 1000

/* Whether `list` lets the server filter (caps.h): where it proves it can
 * (auto), never (off), or must (require: an error where it cannot). */
enum config_server_filter {
    CONFIG_SERVER_FILTER_AUTO,
    CONFIG_SERVER_FILTER_OFF,
    CONFIG_SERVER_FILTER_REQUIRE,
};

/* Where a value came from, for the pairing rule above. */
enum config_layer {
    CONFIG_LAYER_FLAG, /* config_set called directly: main's flags */
    CONFIG_LAYER_ENV,
    CONFIG_LAYER_FILE,    /* the config file's top level */
    CONFIG_LAYER_PROFILE, /* the config file's section of the profile in use */
};

/* One "[profile NAME]" section, as listed by `omslog profiles`. */
struct config_profile {
    char *name;
    char *url; /* NULL: the section sets none */
    bool production;
};

struct config {
    char *url;          /* base URL as given */
    char *token;        /* API key, NULL when none */
    char *token_source; /* "--token", "OMSLOG_TOKEN", a file path...; for messages */
    long page_size;     /* asked for (CONFIG_DEFAULT_PAGE_SIZE); 0 = the server's default */
    long timeout_s;     /* whole request */
    long connect_timeout_s;
    long low_speed_time_s; /* abort when slower than 1 byte/s for this long */
    long retries;          /* extra attempts after the first */
    long cache_pages;      /* browser page cache bound */
    long cache_bytes;      /* browser page cache bound in bytes */
    long follow_s;         /* browser follow-mode poll interval */
    long parallel;         /* pages in flight at once */
    long max_response;     /* bytes of one decoded response (CONFIG_DEFAULT_MAX_RESPONSE) */
    long retry_budget_s;   /* CONFIG_DEFAULT_RETRY_BUDGET_S */
    long big_scan_pages;   /* CONFIG_DEFAULT_BIG_SCAN_PAGES; 0: never ask */
    bool insecure;         /* skip TLS verification */
    bool utc;              /* show times in UTC */
    bool no_color;
    int verbose;
    enum config_server_filter server_filter;
    /* "param.level__gte = min_level": the server's name for a filter
     * parameter (caps.h), by its default name; NULL: the default. */
    char *param_names[CAPS_N_PARAMS];
    /* TLS (NULL: libcurl's defaults). Paths as given, "~/" expanded; ca_path
     * comes only from SSL_CERT_DIR (config_apply_tls_env). */
    char *ca_file;   /* CAs to trust (--cacert) */
    char *ca_path;   /* directory of hashed CA certificates */
    char *cert_file; /* client certificate (--cert) */
    char *key_file;  /* its private key (--key): private like a token file */
    /* Profiles (see the top of this file). */
    char *profile;                   /* the profile in use, NULL: none */
    bool production;                 /* the profile in use says production = true */
    char *default_profile;           /* the file's default_profile */
    struct config_profile *profiles; /* every section of the file, in file order */
    size_t n_profiles, profiles_cap;
    char *file_url;                /* the file's top-level url */
    bool top_level_only;           /* config_load_file ignores default_profile */
    bool skip_token_files;         /* token_file is not read (omslog profiles needs no token) */
    enum config_layer layer;       /* of the config_set calls being made */
    enum config_layer url_layer;   /* where url came from */
    enum config_layer token_layer; /* where token came from */
};

void config_defaults(struct config *c);
void config_free(struct config *c);

/* Default path: $XDG_CONFIG_HOME/omslog/config or ~/.config/omslog/config.
 * Returns a malloc'd string, or NULL when neither variable is set. */
char *config_default_path(void);
/* Read "key = value" lines ('#' comments, blank lines, optional quotes around
 * value). A missing file is fine when !required. Unknown keys and bad values
 * are errors that name the file and line. */
int config_load_file(struct config *c, const char *path, bool required, struct omslog_error *err);
/* Return values: the config_* functions that return int give OMSLOG_OK (0) on
 * success, else the error status (OMSLOG_ERR_CONFIG for everything the user
 * can fix) with err filled. On error *c may be partly updated; callers exit.
 * File format details: comments are whole lines only ('#' inside a value is
 * kept, tokens may contain it); quotes must match at both ends and are not
 * unescaped; lines longer than 8192 bytes are errors; a relative token_file
 * is resolved against the config file's directory. */
/* OMSLOG_URL, OMSLOG_TOKEN, OMSLOG_TOKEN_FILE, NO_COLOR. getenv_fn lets tests
 * supply their own environment; pass NULL for getenv. Empty values count as
 * unset; when both token variables are set OMSLOG_TOKEN wins. NO_COLOR with
 * any non-empty value sets no_color (no-color.org). OMSLOG_CONFIG is main's. */
int config_apply_env(struct config *c, const char *(*getenv_fn)(const char *),
                     struct omslog_error *err);
/* The CA variables curl's own tool reads, applied after the flags because
 * they yield to ca_file from any source (as curl's --cacert overrides them):
 * CURL_CA_BUNDLE, else SSL_CERT_DIR and SSL_CERT_FILE. Nothing is checked
 * here; libcurl reports a file it cannot load. Always OMSLOG_OK. */
int config_apply_tls_env(struct config *c, const char *(*getenv_fn)(const char *));
/* Set one key (the config file's names: url, token, token_file, page_size,
 * timeout, connect_timeout, low_speed_time, retries, retry_budget, max_response,
 * cache_pages, cache_bytes, follow, parallel, big_scan_pages, insecure, utc, color, verbose,
 * server_filter, ca_file, cert_file, key_file, and param.NAME for each filter parameter's
 * default NAME, caps.h: its value the name this server uses, letters, digits,
 * '_', '-', '.'). source names where it came from ("--page-size", "OMSLOG_URL",
 * "/path/config line 4") and ends up in error messages and, for token, in token_source.
 * Ranges: page_size 0..10000, timeout/connect_timeout/follow 1..86400, low_speed_time
 * 0..86400, retries 0..20, retry_budget 1..86400, big_scan_pages 0..10^9, max_response
 * 64K..1G (bytes, or with a K/M/G suffix, x1024), cache_pages 2..100000, cache_bytes 2^20..2^40,
 * parallel 1..64, verbose 0..3; server_filter auto/off/require; booleans take
 * true/false/yes/no/on/off/1/0; color=false sets no_color. token_file reads the file now ("~/"
 * expanded) and sets token_source to its path; ca_file and cert_file must be readable now,
 * key_file also private (the token file rule). A token value is never echoed in messages. */
int config_set(struct config *c, const char *key, const char *value, const char *source,
               struct omslog_error *err);
/* Read a token file: must be a regular file with no group/other permission
 * bits, owned by us or root (ssh's rule, checked with fstat on the opened
 * file, not on the name, as for the config file); surrounding whitespace
 * trimmed; must be non-empty and printable ASCII. On success *token is
 * malloc'd (caller frees). */
int config_read_token_file(const char *path, char **token, struct omslog_error *err);
/* Pick the profile to use: flag (-p NAME) if not NULL, else OMSLOG_PROFILE
 * (getenv_fn as for config_apply_env), else none yet (config_load_file then
 * takes the file's default_profile). Call before config_load_file. */
void config_choose_profile(struct config *c, const char *flag,
                           const char *(*getenv_fn)(const char *));
/* After every source is applied: the profile in use must exist (else an
 * error listing the known names) and the url and token must pair (the rule
 * at the top of this file). OMSLOG_OK or OMSLOG_ERR_CONFIG with err filled. */
int config_finish(struct config *c, struct omslog_error *err);
/* Links: the profile configured for url's origin (http_same_origin, the one
 * origin decision), the longest path prefix when several share it; NULL
 * when no profile's url has that origin (the top-level url is the caller's
 * to compare, c->file_url). After config_load_file. */
const char *config_profile_for_url(const struct config *c, const char *url);
/* "abcd…(40 chars)" style mask for diagnostics: never reveals more than the
 * first 4 characters. */
void config_mask_token(const char *token, char *out, size_t n);

#endif
