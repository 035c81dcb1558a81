/* config.c — see include/omslog/config.h */
#include "omslog/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "omslog/buf.h"
#include "omslog/http.h"
#include "omslog/util.h"

#define CONFIG_LINE_MAX 8192
#define CONFIG_FILE_MAX (1024 * 1024)
#define CONFIG_QUOTE_MAX 80 /* bytes of a bad value echoed in a message */
#define CONFIG_QUOTE_BUF (CONFIG_QUOTE_MAX * 4 + 8)
#define CONFIG_MODE_PRIVATE_MASK 077 /* any group or other permission bit */
#define CONFIG_MODE_READ_OTHERS 044
#define CONFIG_MODE_WRITE_OTHERS 022
#define CONFIG_MODE_BITS 07777
#define CONFIG_MASK_SHOWN 4    /* characters of a token a mask reveals */
#define CONFIG_MASK_MIN_LEN 12 /* shorter tokens reveal nothing */
#define CONFIG_ELLIPSIS "\xe2\x80\xa6"
#define CONFIG_READ_CHUNK 4096

#define CONFIG_PAGE_SIZE_MAX 10000
#define CONFIG_SECONDS_MAX 86400
#define CONFIG_RETRIES_MAX 20
#define CONFIG_CACHE_PAGES_MIN 2
#define CONFIG_CACHE_PAGES_MAX 100000
#define CONFIG_CACHE_BYTES_MIN (1L << 20)
#define CONFIG_CACHE_BYTES_MAX (1L << 40)
#define CONFIG_PARALLEL_MAX 64
#define CONFIG_BIG_SCAN_PAGES_MAX 1000000000L
#define CONFIG_VERBOSE_MAX 3
/* max_response: below a page of a few entries nothing works; above 1 GiB one
 * response alone outgrows what a terminal program should hold. */
#define CONFIG_MAX_RESPONSE_MIN (64L * 1024)
#define CONFIG_MAX_RESPONSE_MAX (1024L * 1024 * 1024)
#define CONFIG_KIB 1024L
#define CONFIG_MAX_RESPONSE_RANGE "64K and 1G"

enum config_kind {
    CONFIG_KIND_URL,
    CONFIG_KIND_TOKEN,
    CONFIG_KIND_TOKEN_FILE,
    CONFIG_KIND_LONG,
    CONFIG_KIND_INT,
    CONFIG_KIND_SIZE, /* bytes: a number with an optional K, M or G suffix (x 1024) */
    CONFIG_KIND_BOOL,
    CONFIG_KIND_BOOL_INVERTED, /* color = false sets no_color */
    CONFIG_KIND_TLS_FILE,      /* a readable file: ca_file, cert_file */
    CONFIG_KIND_KEY_FILE,      /* a private key: private like a token file */
    CONFIG_KIND_SERVER_FILTER, /* auto, off or require */
};

struct config_key {
    const char *name;
    enum config_kind kind;
    size_t offset; /* of the long, int, bool or (file kinds) char * field */
    long min, max;
};

static const struct config_key config_keys[] = {
    {"url", CONFIG_KIND_URL, 0, 0, 0},
    {"token", CONFIG_KIND_TOKEN, 0, 0, 0},
    {"token_file", CONFIG_KIND_TOKEN_FILE, 0, 0, 0},
    {"page_size", CONFIG_KIND_LONG, offsetof(struct config, page_size), 0, CONFIG_PAGE_SIZE_MAX},
    {"timeout", CONFIG_KIND_LONG, offsetof(struct config, timeout_s), 1, CONFIG_SECONDS_MAX},
    {"connect_timeout", CONFIG_KIND_LONG, offsetof(struct config, connect_timeout_s), 1,
     CONFIG_SECONDS_MAX},
    {"low_speed_time", CONFIG_KIND_LONG, offsetof(struct config, low_speed_time_s), 0,
     CONFIG_SECONDS_MAX},
    {"retries", CONFIG_KIND_LONG, offsetof(struct config, retries), 0, CONFIG_RETRIES_MAX},
    {"cache_pages", CONFIG_KIND_LONG, offsetof(struct config, cache_pages), CONFIG_CACHE_PAGES_MIN,
     CONFIG_CACHE_PAGES_MAX},
    {"cache_bytes", CONFIG_KIND_LONG, offsetof(struct config, cache_bytes), CONFIG_CACHE_BYTES_MIN,
     CONFIG_CACHE_BYTES_MAX},
    {"follow", CONFIG_KIND_LONG, offsetof(struct config, follow_s), 1, CONFIG_SECONDS_MAX},
    {"parallel", CONFIG_KIND_LONG, offsetof(struct config, parallel), 1, CONFIG_PARALLEL_MAX},
    {"big_scan_pages", CONFIG_KIND_LONG, offsetof(struct config, big_scan_pages), 0,
     CONFIG_BIG_SCAN_PAGES_MAX},
    {"insecure", CONFIG_KIND_BOOL, offsetof(struct config, insecure), 0, 0},
    {"utc", CONFIG_KIND_BOOL, offsetof(struct config, utc), 0, 0},
    {"color", CONFIG_KIND_BOOL_INVERTED, offsetof(struct config, no_color), 0, 0},
    {"max_response", CONFIG_KIND_SIZE, offsetof(struct config, max_response),
     CONFIG_MAX_RESPONSE_MIN, CONFIG_MAX_RESPONSE_MAX},
    {"retry_budget", CONFIG_KIND_LONG, offsetof(struct config, retry_budget_s), 1,
     CONFIG_SECONDS_MAX},
    {"verbose", CONFIG_KIND_INT, offsetof(struct config, verbose), 0, CONFIG_VERBOSE_MAX},
    {"server_filter", CONFIG_KIND_SERVER_FILTER, offsetof(struct config, server_filter), 0, 0},
    {"ca_file", CONFIG_KIND_TLS_FILE, offsetof(struct config, ca_file), 0, 0},
    {"cert_file", CONFIG_KIND_TLS_FILE, offsetof(struct config, cert_file), 0, 0},
    {"key_file", CONFIG_KIND_KEY_FILE, offsetof(struct config, key_file), 0, 0},
};

static const struct {
    const char *word;
    bool value;
} config_bools[] = {
    {"true", true},   {"yes", true}, {"on", true},   {"1", true},
    {"false", false}, {"no", false}, {"off", false}, {"0", false},
};

#define CONFIG_PARAM_PREFIX "param."

/* "param.level__gte": the filter parameter it renames; -1 for another key,
 * -2 for a param. key naming no parameter. */
static int config_param_key(const char *key)
{
    size_t n = strlen(CONFIG_PARAM_PREFIX);
    if (strncmp(key, CONFIG_PARAM_PREFIX, n) != 0)
        return -1;
    int p = caps_param_find(key + n, strlen(key + n));
    return p >= 0 ? p : -2;
}

static const struct config_key *config_key_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(config_keys); i++)
        if (strcmp(config_keys[i].name, name) == 0)
            return &config_keys[i];
    return NULL;
}

/* Values and names from files may hold anything: echo printable ASCII only,
 * bounded, so a message is always one safe line. */
static void config_quote(const char *s, char *out, size_t n)
{
    ascii_quote(s, strlen(s), CONFIG_QUOTE_MAX, out, n);
}

static void config_replace(char **field, char *value)
{
    free(*field);
    *field = value;
}

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof *c);
    c->url = NULL;
    c->token = NULL;
    c->token_source = NULL;
    c->page_size = CONFIG_DEFAULT_PAGE_SIZE;
    c->timeout_s = CONFIG_DEFAULT_TIMEOUT_S;
    c->connect_timeout_s = CONFIG_DEFAULT_CONNECT_TIMEOUT_S;
    c->low_speed_time_s = CONFIG_DEFAULT_LOW_SPEED_TIME_S;
    c->retries = CONFIG_DEFAULT_RETRIES;
    c->cache_pages = CONFIG_DEFAULT_CACHE_PAGES;
    c->cache_bytes = CONFIG_DEFAULT_CACHE_BYTES;
    c->follow_s = CONFIG_DEFAULT_FOLLOW_S;
    c->parallel = CONFIG_DEFAULT_PARALLEL;
    c->max_response = CONFIG_DEFAULT_MAX_RESPONSE;
    c->retry_budget_s = CONFIG_DEFAULT_RETRY_BUDGET_S;
    c->big_scan_pages = CONFIG_DEFAULT_BIG_SCAN_PAGES;
    c->insecure = false;
    c->utc = false;
    c->no_color = false;
    c->verbose = 0;
}

void config_free(struct config *c)
{
    if (!c)
        return;
    config_replace(&c->url, NULL);
    config_replace(&c->token, NULL);
    config_replace(&c->token_source, NULL);
    config_replace(&c->ca_file, NULL);
    config_replace(&c->ca_path, NULL);
    config_replace(&c->cert_file, NULL);
    config_replace(&c->key_file, NULL);
    config_replace(&c->profile, NULL);
    config_replace(&c->default_profile, NULL);
    config_replace(&c->file_url, NULL);
    for (size_t i = 0; i < CAPS_N_PARAMS; i++)
        config_replace(&c->param_names[i], NULL);
    for (size_t i = 0; i < c->n_profiles; i++) {
        free(c->profiles[i].name);
        free(c->profiles[i].url);
    }
    free(c->profiles);
    c->profiles = NULL;
    c->n_profiles = c->profiles_cap = 0;
}

char *config_default_path(void)
{
    struct buf b = {0};
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    /* The XDG spec says relative values are invalid and must be ignored. */
    if (xdg && xdg[0] == '/')
        buf_printf(&b, "%s/omslog/config", xdg);
    else if (home && *home)
        buf_printf(&b, "%s/.config/omslog/config", home);
    else
        return NULL;
    return buf_steal(&b);
}

/* Open path for reading without blocking on a FIFO or device, so that the
 * fstat check below sees what was actually opened (no stat-then-open race). */
static int config_open(const char *path)
{
    int fd;
    do
        fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    return fd;
}

/* The ssh rule: a regular file, owned by us (or root), with no permission
 * bit for group or others. `what` is "config file", "token file"... */
static int config_check_fd(int fd, const char *path, const char *what, struct omslog_error *err)
{
    struct stat sb, *st = &sb;
    if (fstat(fd, st) != 0)
        return error_set(err, OMSLOG_ERR_CONFIG, "%s %s: %s", what, path, strerror(errno));
    if (!S_ISREG(st->st_mode))
        return error_set(err, OMSLOG_ERR_CONFIG, "%s %s is not a regular file", what, path);
    if (st->st_uid != geteuid() && st->st_uid != 0)
        return error_set(err, OMSLOG_ERR_CONFIG,
                         "%s %s is owned by another user (uid %ld); it must belong to you", what,
                         path, (long)st->st_uid);
    unsigned mode = (unsigned)(st->st_mode & CONFIG_MODE_BITS);
    if (mode & CONFIG_MODE_PRIVATE_MASK) {
        const char *how = (mode & CONFIG_MODE_READ_OTHERS)    ? "readable"
                          : (mode & CONFIG_MODE_WRITE_OTHERS) ? "writable"
                                                              : "accessible";
        return error_set(err, OMSLOG_ERR_CONFIG,
                         "%s %s is %s by others (mode %04o); run: chmod 600 %s", what, path, how,
                         mode, path);
    }
    return OMSLOG_OK;
}

/* Read all of fd into out; more than max bytes is an error (-1, errno EFBIG). */
static int config_read_all(int fd, size_t max, struct buf *out)
{
    char chunk[CONFIG_READ_CHUNK];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        if (out->len + (size_t)n > max) {
            errno = EFBIG;
            return -1;
        }
        buf_append(out, chunk, (size_t)n);
    }
}

static bool config_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Trim [*s, *s+*len) in place. */
static void config_trim(const char **s, size_t *len)
{
    while (*len > 0 && config_is_space(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && config_is_space((*s)[*len - 1]))
        (*len)--;
}

/* A token is what goes after "Authorization: Token ": one word of printable
 * ASCII, so it can neither break the header nor hide in a terminal. */
static bool config_token_ok(const char *s, size_t len)
{
    if (len == 0 || len > CONFIG_TOKEN_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

int config_read_token_file(const char *path, char **token, struct omslog_error *err)
{
    int fd = config_open(path);
    if (fd < 0)
        return error_set(err, OMSLOG_ERR_CONFIG, "token file %s: %s", path, strerror(errno));
    int rc = config_check_fd(fd, path, "token file", err);
    if (rc != OMSLOG_OK) {
        close(fd);
        return rc;
    }
    struct buf b = {0};
    /* Room for whitespace around a maximal token. */
    size_t max = (size_t)CONFIG_TOKEN_MAX * 2;
    if (config_read_all(fd, max, &b) != 0) {
        int e = errno;
        close(fd);
        buf_free(&b);
        if (e == EFBIG)
            return error_set(err, OMSLOG_ERR_CONFIG,
                             "token file %s is too large to hold a token (over %zu bytes)", path,
                             max);
        return error_set(err, OMSLOG_ERR_CONFIG, "token file %s: %s", path, strerror(e));
    }
    close(fd);
    const char *s = buf_str(&b);
    size_t len = b.len;
    config_trim(&s, &len);
    if (len == 0) {
        buf_free(&b);
        return error_set(err, OMSLOG_ERR_CONFIG,
                         "token file %s is empty (expected one line of printable characters)",
                         path);
    }
    if (!config_token_ok(s, len) || memchr(s, '\0', len)) {
        buf_free(&b);
        return error_set(err, OMSLOG_ERR_CONFIG,
                         "token file %s does not hold a token "
                         "(expected one line of printable characters)",
                         path);
    }
    *token = xstrndup(s, len);
    buf_free(&b);
    return OMSLOG_OK;
}

/* "~/x" → "$HOME/x"; other paths unchanged. NULL with err when HOME is unset. */
static char *config_expand_home(const char *path, const char *key, const char *source,
                                struct omslog_error *err)
{
    if (path[0] != '~' || (path[1] != '/' && path[1] != '\0'))
        return xstrdup(path);
    const char *home = getenv("HOME");
    if (!home || !*home) {
        error_set(err, OMSLOG_ERR_CONFIG,
                  "%s: cannot expand '~' because HOME is not set (from %s)", key, source);
        return NULL;
    }
    struct buf b = {0};
    buf_printf(&b, "%s%s", home, path + 1);
    return buf_steal(&b);
}

static int config_set_number(struct config *c, const struct config_key *k, const char *value,
                             const char *source, struct omslog_error *err)
{
    int64_t v;
    if (parse_int64(value, &v) != 0 || v < k->min || v > k->max) {
        char q[CONFIG_QUOTE_BUF];
        config_quote(value, q, sizeof q);
        return error_set(err, OMSLOG_ERR_CONFIG,
                         "%s: \"%s\" is not a number between %ld and %ld (from %s)", k->name, q,
                         k->min, k->max, source);
    }
    char *field = (char *)c + k->offset;
    if (k->kind == CONFIG_KIND_INT)
        *(int *)(void *)field = (int)v;
    else
        *(long *)(void *)field = (long)v;
    return OMSLOG_OK;
}

/* "32M", "512K", "1G" or a number of bytes: a size in k's range. */
static int config_set_size(struct config *c, const struct config_key *k, const char *value,
                           const char *source, struct omslog_error *err)
{
    static const char suffixes[] = "KMG";
    size_t len = strlen(value);
    long unit = 1;
    const char *s = len ? strchr(suffixes, value[len - 1] & ~0x20) : NULL;
    if (s && *s) {
        for (const char *p = suffixes; p <= s; p++)
            unit *= CONFIG_KIB;
        len--;
    }
    char *digits = xstrndup(value, len);
    int64_t v;
    bool ok = parse_int64(digits, &v) == 0 && v >= 0 && v <= k->max / unit && v * unit >= k->min;
    free(digits);
    if (!ok) {
        char q[CONFIG_QUOTE_BUF];
        config_quote(value, q, sizeof q);
        return error_set(err, OMSLOG_ERR_CONFIG,
                         "%s: \"%s\" is not a size between " CONFIG_MAX_RESPONSE_RANGE
                         " (bytes, or a number with K, M or G) (from %s)",
                         k->name, q, source);
    }
    *(long *)(void *)((char *)c + k->offset) = (long)(v * unit);
    return OMSLOG_OK;
}

static int config_set_bool(struct config *c, const struct config_key *k, const char *value,
                           const char *source, struct omslog_error *err)
{
    for (size_t i = 0; i < ARRAY_LEN(config_bools); i++) {
        if (ascii_casecmp(value, config_bools[i].word) == 0) {
            bool v = config_bools[i].value;
            *(bool *)(void *)((char *)c + k->offset) =
                k->kind == CONFIG_KIND_BOOL_INVERTED ? !v : v;
            return OMSLOG_OK;
        }
    }
    char q[CONFIG_QUOTE_BUF];
    config_quote(value, q, sizeof q);
    return error_set(err, OMSLOG_ERR_CONFIG,
                     "%s: \"%s\" is not a boolean (use true or false) (from %s)", k->name, q,
                     source);
}

static bool config_kind_is_tls_file(enum config_kind kind)
{
    return kind == CONFIG_KIND_TLS_FILE || kind == CONFIG_KIND_KEY_FILE;
}

/* ca_file, cert_file, key_file: "~/" expanded, readable now (so a typo is a
 * config error, not a TLS failure later); a key file must be private like a
 * token file. The field keeps the expanded path for libcurl. */
static int config_set_tls_file(struct config *c, const struct config_key *k, const char *value,
                               const char *source, struct omslog_error *err)
{
    char *path = config_expand_home(value, k->name, source, err);
    if (!path)
        return OMSLOG_ERR_CONFIG;
    int fd = config_open(path);
    int rc = OMSLOG_OK;
    struct stat st;
    if (fd < 0)
        rc = error_set(err, OMSLOG_ERR_CONFIG, "%s %s: %s (from %s)", k->name, path,
                       strerror(errno), source);
    else if (k->kind == CONFIG_KIND_KEY_FILE)
        rc = config_check_fd(fd, path, "key file", err);
    else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = error_set(err, OMSLOG_ERR_CONFIG, "%s %s is not a regular file (from %s)", k->name,
                       path, source);
    if (fd >= 0)
        close(fd);
    if (rc != OMSLOG_OK) {
        free(path);
        return rc;
    }
    config_replace((char **)(void *)((char *)c + k->offset), path);
    return OMSLOG_OK;
}

/* param.NAME = SERVER_NAME: what the server calls a filter parameter. */
static int config_set_param_name(struct config *c, const char *key, const char *value,
                                 const char *source, struct omslog_error *err)
{
    char q[CONFIG_QUOTE_BUF];
    int p = config_param_key(key);
    if (p < 0) {
        config_quote(key + strlen(CONFIG_PARAM_PREFIX), q, sizeof q);
        return error_set(err, OMSLOG_ERR_CONFIG,
                         "%s: \"%s\" is not a filter parameter omslog knows (e.g. level__gte, "
                         "app_name, id__lt, created_at__gte) (from %s)",
                         "param", q, source);
    }
    if (!value || !caps_name_valid(value)) {
        config_quote(value ? value : "", q, sizeof q);
        return error_set(err, OMSLOG_ERR_CONFIG,
                         "%s: \"%s\" is not a parameter name (letters, digits, '_', '-', '.', "
                         "at most %d) (from %s)",
                         key, q, CAPS_NAME_MAX - 1, source);
    }
    config_replace(&c->param_names[p], xstrdup(value));
    return OMSLOG_OK;
}

int config_set(struct config *c, const char *key, const char *value, const char *source,
               struct omslog_error *err)
{
    char q[CONFIG_QUOTE_BUF];
    if (!source)
        source = "?";
    if (config_param_key(key) != -1)
        return config_set_param_name(c, key, value, source, err);
    const struct config_key *k = config_key_find(key);
    if (!k) {
        config_quote(key, q, sizeof q);
        return error_set(err, OMSLOG_ERR_CONFIG, "unknown key \"%s\" (from %s)", q, source);
    }
    /* Numbers and booleans say what they expected; an empty string needs its own words. */
    bool is_text = k->kind == CONFIG_KIND_URL || k->kind == CONFIG_KIND_TOKEN ||
                   k->kind == CONFIG_KIND_TOKEN_FILE || config_kind_is_tls_file(k->kind);
    if (!value)
        value = "";
    if (is_text && !*value)
        return error_set(err, OMSLOG_ERR_CONFIG, "%s: empty value (from %s)", k->name, source);

    switch (k->kind) {
    case CONFIG_KIND_URL:
        config_replace(&c->url, xstrdup(value));
        c->url_layer = c->layer;
        if (c->layer == CONFIG_LAYER_FILE)
            config_replace(&c->file_url, xstrdup(value));
        return OMSLOG_OK;
    case CONFIG_KIND_TOKEN:
        /* Never echo a token, not even a bad one. */
        if (!config_token_ok(value, strlen(value)))
            return error_set(err, OMSLOG_ERR_CONFIG,
                             "token: not a valid token (expected printable characters "
                             "without spaces, at most %d) (from %s)",
                             CONFIG_TOKEN_MAX, source);
        config_replace(&c->token, xstrdup(value));
        config_replace(&c->token_source, xstrdup(source));
        c->token_layer = c->layer;
        return OMSLOG_OK;
    case CONFIG_KIND_TOKEN_FILE: {
        char *path = config_expand_home(value, k->name, source, err);
        if (!path)
            return OMSLOG_ERR_CONFIG;
        if (c->skip_token_files) {
            free(path);
            return OMSLOG_OK;
        }
        char *token = NULL;
        int rc = config_read_token_file(path, &token, err);
        if (rc != OMSLOG_OK) {
            free(path);
            return rc;
        }
        config_replace(&c->token, token);
        config_replace(&c->token_source, path);
        c->token_layer = c->layer;
        return OMSLOG_OK;
    }
    case CONFIG_KIND_LONG:
    case CONFIG_KIND_INT:
        return config_set_number(c, k, value, source, err);
    case CONFIG_KIND_SIZE:
        return config_set_size(c, k, value, source, err);
    case CONFIG_KIND_BOOL:
    case CONFIG_KIND_BOOL_INVERTED:
        return config_set_bool(c, k, value, source, err);
    case CONFIG_KIND_TLS_FILE:
    case CONFIG_KIND_KEY_FILE:
        return config_set_tls_file(c, k, value, source, err);
    case CONFIG_KIND_SERVER_FILTER: {
        static const char *const modes[] = {"auto", "off", "require"};
        for (size_t i = 0; i < ARRAY_LEN(modes); i++)
            if (strcmp(value, modes[i]) == 0) {
                c->server_filter = (enum config_server_filter)i;
                return OMSLOG_OK;
            }
        config_quote(value, q, sizeof q);
        return error_set(err, OMSLOG_ERR_CONFIG,
                         "%s: \"%s\" is not auto, off or require (from %s)", k->name, q, source);
    }
    }
    return error_set(err, OMSLOG_ERR_INTERNAL, "config key %s has no handler", k->name);
}

/* Reading a file takes three passes over its lines: COLLECT records the
 * profile sections (for `omslog profiles`, the unknown-profile message and
 * default_profile) without applying anything; TOP applies the top-level keys;
 * PROFILE applies the section of the profile in use, so it wins over the top
 * level wherever it stands in the file. */
enum config_pass { CONFIG_PASS_COLLECT, CONFIG_PASS_TOP, CONFIG_PASS_PROFILE };

struct config_parse {
    struct config *c;
    const char *path;
    size_t lineno;
    enum config_pass pass;
    char *section; /* profile whose section the line is in; NULL: top level */
};

static bool config_profile_name_ok(const char *s, size_t len)
{
    if (len == 0 || len > CONFIG_QUOTE_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
        if (!ok)
            return false;
    }
    return true;
}

static struct config_profile *config_profile_find(const struct config *c, const char *name)
{
    for (size_t i = 0; i < c->n_profiles; i++)
        if (strcmp(c->profiles[i].name, name) == 0)
            return &c->profiles[i];
    return NULL;
}

/* "[profile NAME]": the section that follows belongs to NAME. */
static int config_parse_section(struct config_parse *ps, const char *line, size_t len,
                                struct omslog_error *err)
{
    static const char word[] = "profile";
    const char *in = line + 1;
    size_t in_len = len - 2;
    config_trim(&in, &in_len);
    bool ok = line[len - 1] == ']' && in_len > strlen(word) &&
              strncmp(in, word, strlen(word)) == 0 && config_is_space(in[strlen(word)]);
    const char *name = in + strlen(word);
    size_t name_len = ok ? in_len - strlen(word) : 0;
    if (ok)
        config_trim(&name, &name_len);
    if (!ok || !config_profile_name_ok(name, name_len))
        return error_set(err, OMSLOG_ERR_CONFIG,
                         "config %s line %zu: expected \"[profile NAME]\" (NAME: letters, "
                         "digits, '-', '_', '.')",
                         ps->path, ps->lineno);
    free(ps->section);
    ps->section = xstrndup(name, name_len);
    if (ps->pass != CONFIG_PASS_COLLECT)
        return OMSLOG_OK;
    if (config_profile_find(ps->c, ps->section))
        return error_set(err, OMSLOG_ERR_CONFIG, "config %s line %zu: profile %s defined twice",
                         ps->path, ps->lineno, ps->section);
    struct config *c = ps->c;
    ARRAY_GROW(c->profiles, c->profiles_cap, c->n_profiles + 1);
    c->profiles[c->n_profiles++] = (struct config_profile){xstrdup(ps->section), NULL, false};
    return OMSLOG_OK;
}

/* COLLECT: check the key and record what profiles need; nothing is applied. */
static int config_collect(struct config_parse *ps, const char *k, const char *v,
                          struct omslog_error *err)
{
    char q[CONFIG_QUOTE_BUF];
    struct config *c = ps->c;
    struct config_profile *pr = ps->section ? &c->profiles[c->n_profiles - 1] : NULL;
    if (strcmp(k, "default_profile") == 0) {
        if (pr)
            return error_set(err, OMSLOG_ERR_CONFIG,
                             "config %s line %zu: default_profile belongs at the top, before "
                             "any [profile] section",
                             ps->path, ps->lineno);
        config_replace(&c->default_profile, xstrdup(v));
        return OMSLOG_OK;
    }
    if (strcmp(k, "production") == 0) {
        if (!pr)
            return error_set(err, OMSLOG_ERR_CONFIG,
                             "config %s line %zu: production belongs in a [profile NAME] "
                             "section",
                             ps->path, ps->lineno);
        for (size_t i = 0; i < ARRAY_LEN(config_bools); i++)
            if (ascii_casecmp(v, config_bools[i].word) == 0) {
                pr->production = config_bools[i].value;
                return OMSLOG_OK;
            }
        config_quote(v, q, sizeof q);
        return error_set(err, OMSLOG_ERR_CONFIG,
                         "config %s line %zu: production: \"%s\" is not a boolean (use true or "
                         "false)",
                         ps->path, ps->lineno, q);
    }
    if (!config_key_find(k) && config_param_key(k) == -1) {
        config_quote(k, q, sizeof q);
        return error_set(err, OMSLOG_ERR_CONFIG, "config %s line %zu: unknown key \"%s\"",
                         ps->path, ps->lineno, q);
    }
    if (pr && strcmp(k, "url") == 0)
        config_replace(&pr->url, xstrdup(v));
    return OMSLOG_OK;
}

/* TOP and PROFILE: apply k = v when the line belongs to the pass. */
static int config_apply_line(struct config_parse *ps, const char *k, const char *v,
                             struct omslog_error *err)
{
    struct config *c = ps->c;
    if (ps->pass == CONFIG_PASS_TOP
            ? ps->section != NULL
            : !ps->section || !c->profile || strcmp(ps->section, c->profile) != 0)
        return OMSLOG_OK;
    if (strcmp(k, "default_profile") == 0 || strcmp(k, "production") == 0)
        return OMSLOG_OK; /* taken by COLLECT */
    c->layer = ps->pass == CONFIG_PASS_TOP ? CONFIG_LAYER_FILE : CONFIG_LAYER_PROFILE;
    const struct config_key *known = config_key_find(k);
    struct buf source = {0};
    int rc;
    if (ps->section)
        buf_printf(&source, "%s line %zu, profile %s", ps->path, ps->lineno, ps->section);
    else
        buf_printf(&source, "%s line %zu", ps->path, ps->lineno);
    if (known && (known->kind == CONFIG_KIND_TOKEN_FILE || config_kind_is_tls_file(known->kind)) &&
        v[0] != '/' && v[0] != '~' && strchr(ps->path, '/')) {
        /* A relative token_file (ca_file...) is relative to the config file, not to
         * wherever omslog happens to be started. */
        struct buf full = {0};
        buf_append(&full, ps->path, (size_t)(strrchr(ps->path, '/') - ps->path) + 1);
        buf_appends(&full, v);
        rc = config_set(c, k, buf_str(&full), buf_str(&source), err);
        buf_free(&full);
    } else {
        rc = config_set(c, k, v, buf_str(&source), err);
    }
    buf_free(&source);
    c->layer = CONFIG_LAYER_FLAG;
    return rc;
}

/* Parse one line (without its newline) of a config file. */
static int config_parse_line(struct config_parse *ps, const char *line, size_t len,
                             struct omslog_error *err)
{
    config_trim(&line, &len);
    /* Comments are whole lines only: values (tokens) may contain '#'. */
    if (len == 0 || line[0] == '#')
        return OMSLOG_OK;
    if (line[0] == '[')
        return config_parse_section(ps, line, len, err);
    const char *eq = memchr(line, '=', len);
    if (!eq)
        return error_set(err, OMSLOG_ERR_CONFIG, "config %s line %zu: expected \"key = value\"",
                         ps->path, ps->lineno);
    const char *key = line, *value = eq + 1;
    size_t key_len = (size_t)(eq - line), value_len = len - key_len - 1;
    config_trim(&key, &key_len);
    config_trim(&value, &value_len);
    if (key_len == 0)
        return error_set(err, OMSLOG_ERR_CONFIG, "config %s line %zu: missing key before '='",
                         ps->path, ps->lineno);
    if (value_len > 0 && (value[0] == '"' || value[0] == '\'')) {
        if (value_len < 2 || value[value_len - 1] != value[0])
            return error_set(err, OMSLOG_ERR_CONFIG, "config %s line %zu: unterminated quote",
                             ps->path, ps->lineno);
        value++;
        value_len -= 2;
    }
    char *k = xstrndup(key, key_len);
    char *v = xstrndup(value, value_len);
    int rc = ps->pass == CONFIG_PASS_COLLECT ? config_collect(ps, k, v, err)
                                             : config_apply_line(ps, k, v, err);
    free(k);
    free(v);
    return rc;
}

static int config_parse_text(struct config_parse *ps, const char *p, const char *end,
                             struct omslog_error *err)
{
    int rc = OMSLOG_OK;
    ps->lineno = 0;
    config_replace(&ps->section, NULL);
    while (p < end && rc == OMSLOG_OK) {
        ps->lineno++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (len > CONFIG_LINE_MAX)
            rc = error_set(err, OMSLOG_ERR_CONFIG, "config %s line %zu: line longer than %d bytes",
                           ps->path, ps->lineno, CONFIG_LINE_MAX);
        else if (memchr(p, '\0', len))
            rc = error_set(err, OMSLOG_ERR_CONFIG,
                           "config %s line %zu: contains a NUL byte (not a text file?)", ps->path,
                           ps->lineno);
        else
            rc = config_parse_line(ps, p, len, err);
        p = nl ? nl + 1 : end;
    }
    return rc;
}

int config_load_file(struct config *c, const char *path, bool required, struct omslog_error *err)
{
    int fd = config_open(path);
    if (fd < 0) {
        if (!required && (errno == ENOENT || errno == ENOTDIR))
            return OMSLOG_OK;
        return error_set(err, OMSLOG_ERR_CONFIG, "config file %s: %s", path, strerror(errno));
    }
    int rc = config_check_fd(fd, path, "config file", err);
    if (rc != OMSLOG_OK) {
        close(fd);
        return rc;
    }
    struct buf text = {0};
    if (config_read_all(fd, CONFIG_FILE_MAX, &text) != 0) {
        int e = errno;
        close(fd);
        buf_free(&text);
        if (e == EFBIG)
            return error_set(err, OMSLOG_ERR_CONFIG, "config file %s is larger than %d bytes",
                             path, CONFIG_FILE_MAX);
        return error_set(err, OMSLOG_ERR_CONFIG, "config file %s: %s", path, strerror(e));
    }
    close(fd);

    const char *p = buf_str(&text), *end = p + text.len;
    struct config_parse ps = {.c = c, .path = path};
    for (int pass = CONFIG_PASS_COLLECT; pass <= CONFIG_PASS_PROFILE && rc == OMSLOG_OK; pass++) {
        ps.pass = (enum config_pass)pass;
        if (ps.pass == CONFIG_PASS_TOP && !c->profile && c->default_profile && !c->top_level_only)
            c->profile = xstrdup(c->default_profile);
        if (ps.pass == CONFIG_PASS_PROFILE && !c->profile)
            break;
        rc = config_parse_text(&ps, p, end, err);
    }
    const struct config_profile *pr = c->profile ? config_profile_find(c, c->profile) : NULL;
    if (pr)
        c->production = pr->production;
    free(ps.section);
    buf_free(&text);
    return rc;
}

void config_choose_profile(struct config *c, const char *flag,
                           const char *(*getenv_fn)(const char *))
{
    const char *env = getenv_fn ? getenv_fn("OMSLOG_PROFILE") : getenv("OMSLOG_PROFILE");
    const char *name = flag && *flag ? flag : env && *env ? env : NULL;
    config_replace(&c->profile, name ? xstrdup(name) : NULL);
}

/* The path of an http(s) URL ("/" when it has none), without the query. */
static size_t config_url_path(const char *url, const char **path)
{
    const char *p = strstr(url, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    if (!p) {
        *path = "/";
        return 1;
    }
    *path = p;
    return strcspn(p, "?#");
}

const char *config_profile_for_url(const struct config *c, const char *url)
{
    const char *best = NULL, *lpath;
    size_t best_len = 0, llen = config_url_path(url, &lpath);
    for (size_t i = 0; i < c->n_profiles; i++) {
        const struct config_profile *p = &c->profiles[i];
        if (!p->url || !http_same_origin(p->url, url))
            continue;
        const char *ppath;
        size_t plen = config_url_path(p->url, &ppath);
        while (plen > 0 && ppath[plen - 1] == '/')
            plen--;
        bool prefix = plen <= llen && strncmp(ppath, lpath, plen) == 0 &&
                      (plen == llen || lpath[plen] == '/');
        /* Same origin but not a prefix still beats nothing: the origin decides. */
        size_t score = prefix ? plen + 1 : 0;
        if (!best || score > best_len) {
            best = p->name;
            best_len = score;
        }
    }
    return best;
}

static bool config_layer_is_command(enum config_layer l)
{
    return l == CONFIG_LAYER_FLAG || l == CONFIG_LAYER_ENV;
}

/* Where the url came from, in words, for the refusal. */
static const char *config_layer_words(enum config_layer l)
{
    switch (l) {
    case CONFIG_LAYER_FLAG:
        return "the command line";
    case CONFIG_LAYER_ENV:
        return "the environment";
    case CONFIG_LAYER_FILE:
        return "the config file's top level";
    case CONFIG_LAYER_PROFILE:
        return "the profile";
    }
    return "?";
}

static int config_unknown_profile(const struct config *c, struct omslog_error *err)
{
    char q[CONFIG_QUOTE_BUF];
    config_quote(c->profile, q, sizeof q);
    struct buf names = {0};
    for (size_t i = 0; i < c->n_profiles; i++)
        buf_printf(&names, "%s%s", i ? ", " : "", c->profiles[i].name);
    int rc = error_set(err, OMSLOG_ERR_CONFIG,
                       "unknown profile \"%s\"; known profiles: %s (omslog profiles lists "
                       "them)",
                       q,
                       names.len ? buf_str(&names)
                                 : "none (add a [profile NAME] section "
                                   "to the config file)");
    buf_free(&names);
    return rc;
}

int config_finish(struct config *c, struct omslog_error *err)
{
    if (!c->profile)
        return OMSLOG_OK;
    const struct config_profile *pr = config_profile_find(c, c->profile);
    if (!pr)
        return config_unknown_profile(c, err);
    if (!c->token || !c->url)
        return OMSLOG_OK;
    bool url_cmd = config_layer_is_command(c->url_layer);
    if (config_layer_is_command(c->token_layer)) {
        if (url_cmd)
            return OMSLOG_OK;
        return error_set(err, OMSLOG_ERR_CONFIG,
                         "profile %s: the token from %s is not sent to %s (the url from %s); "
                         "unset it (and OMSLOG_TOKEN_FILE), or put token_file in [profile %s], "
                         "or give the url with --url/OMSLOG_URL too",
                         c->profile, c->token_source ? c->token_source : "?", c->url,
                         config_layer_words(c->url_layer), c->profile);
    }
    /* A token from the file goes to the origin of the url beside it. */
    const char *paired = c->token_layer == CONFIG_LAYER_PROFILE && pr->url ? pr->url : c->file_url;
    if (paired && http_same_origin(paired, c->url))
        return OMSLOG_OK;
    return error_set(err, OMSLOG_ERR_CONFIG,
                     "profile %s: the token from %s belongs to %s, not to %s (the url from %s); "
                     "put its token_file in [profile %s]",
                     c->profile, c->token_source ? c->token_source : "?",
                     paired ? paired : "no url", c->url, config_layer_words(c->url_layer),
                     c->profile);
}

static const char *config_getenv(const char *name)
{
    return getenv(name);
}

int config_apply_env(struct config *c, const char *(*getenv_fn)(const char *),
                     struct omslog_error *err)
{
    if (!getenv_fn)
        getenv_fn = config_getenv;
    /* Empty values count as unset, the usual shell convention
     * (OMSLOG_TOKEN= omslog ...). OMSLOG_TOKEN is applied after
     * OMSLOG_TOKEN_FILE so the more direct of the two wins. */
    static const struct {
        const char *var, *key;
    } vars[] = {
        {"OMSLOG_URL", "url"},
        {"OMSLOG_TOKEN_FILE", "token_file"},
        {"OMSLOG_TOKEN", "token"},
    };
    for (size_t i = 0; i < ARRAY_LEN(vars); i++) {
        const char *v = getenv_fn(vars[i].var);
        if (v && *v) {
            c->layer = CONFIG_LAYER_ENV;
            int rc = config_set(c, vars[i].key, v, vars[i].var, err);
            c->layer = CONFIG_LAYER_FLAG;
            if (rc != OMSLOG_OK)
                return rc;
        }
    }
    /* https://no-color.org: any non-empty value disables colour. */
    const char *nc = getenv_fn("NO_COLOR");
    if (nc && *nc)
        c->no_color = true;
    return OMSLOG_OK;
}

int config_apply_tls_env(struct config *c, const char *(*getenv_fn)(const char *))
{
    if (!getenv_fn)
        getenv_fn = config_getenv;
    if (c->ca_file || c->ca_path)
        return OMSLOG_OK;
    const char *bundle = getenv_fn("CURL_CA_BUNDLE");
    if (bundle && *bundle) {
        config_replace(&c->ca_file, xstrdup(bundle));
        return OMSLOG_OK;
    }
    const char *dir = getenv_fn("SSL_CERT_DIR"), *file = getenv_fn("SSL_CERT_FILE");
    if (dir && *dir)
        config_replace(&c->ca_path, xstrdup(dir));
    if (file && *file)
        config_replace(&c->ca_file, xstrdup(file));
    return OMSLOG_OK;
}

void config_mask_token(const char *token, char *out, size_t n)
{
    if (!out || n == 0)
        return;
    if (!token) {
        snprintf(out, n, "(none)");
        return;
    }
    size_t len = strlen(token);
    char prefix[CONFIG_MASK_SHOWN + 1] = {0};
    if (len >= CONFIG_MASK_MIN_LEN)
        for (size_t i = 0; i < CONFIG_MASK_SHOWN; i++) {
            unsigned char ch = (unsigned char)token[i];
            prefix[i] = (ch > ' ' && ch < 0x7f) ? (char)ch : '?';
        }
    snprintf(out, n, "%s" CONFIG_ELLIPSIS "(%zu chars)", prefix, len);
}
