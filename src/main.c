/* main.c — parse arguments, build the configuration, wire the modules, run
 * one mode: the browser (no command), `list` or `get`.
 *
 * It also keeps the API token at home: the --token argument is wiped from
 * argv, core dumps are off, and everything written to stderr (error messages,
 * --verbose diagnostics) is sanitised and has any run of the token in it
 * redacted, because those lines may quote what a server sent back, and every
 * URL in it has its userinfo and query values redacted (url_redact): a --url,
 * a proxy setting or a Location may carry a password or an API key. */
#define _GNU_SOURCE /* fopencookie: the redacting stream given to --verbose */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "omslog/api.h"
#include "omslog/cli.h"
#include "omslog/config.h"
#include "omslog/datetime.h"
#include "omslog/error.h"
#include "omslog/filesrc.h"
#include "omslog/format.h"
#include "omslog/http.h"
#include "omslog/level.h"
#include "omslog/sanitize.h"
#include "omslog/ui.h"
#include "omslog/url.h"
#include "omslog/utf8.h"
#include "omslog/util.h"

#define ARGV_WIPE_CHAR 'x'
#define SAFE_STREAM_MAX_LINE (64 * 1024)
/* Bytes of a mistyped argument quoted back in a usage error. */
#define ARG_QUOTE_MAX 40
#define ARG_WORD_MAX 20

/* The precision for "%.*s" that quotes at most max bytes of s without
 * cutting a character in half. */
static int arg_cut(const char *s, size_t max)
{
    return (int)utf8_prefix(s, strlen(s), max);
}

enum opt_id {
    OPT_URL,
    OPT_TOKEN,
    OPT_TOKEN_FILE,
    OPT_CONFIG,
    OPT_PROFILE,
    OPT_INSECURE,
    OPT_CACERT,
    OPT_CERT,
    OPT_KEY,
    OPT_TIMEOUT,
    OPT_CONNECT_TIMEOUT,
    OPT_LOW_SPEED_TIME,
    OPT_PAGE_SIZE,
    OPT_RETRIES,
    OPT_PARALLEL,
    OPT_MAX_RESPONSE,
    OPT_RETRY_BUDGET,
    OPT_CACHE_PAGES,
    OPT_FOLLOW,
    OPT_UTC,
    OPT_NO_COLOR,
    OPT_VERBOSE,
    OPT_HELP,
    OPT_VERSION,
    /* list / get */
    OPT_LEVEL,
    OPT_APP,
    OPT_SEARCH,
    OPT_REGEX,
    OPT_PAGE,
    OPT_LIMIT,
    OPT_ALL,
    OPT_SERVER_FILTER,
    OPT_REPROBE,
    OPT_FORMAT,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_AROUND,
    OPT_CONTEXT,
    OPT_REVERSE,
};

struct opt {
    enum opt_id id;
    char short_name;
    const char *name;
    const char *arg;        /* NULL: a switch */
    const char *config_key; /* set through config_set when not NULL */
    const char *help;
};

static const struct opt options[] = {
    {OPT_URL, 0, "url", "BASE", "url", "OMS base URL, e.g. https://oms.example.com"},
    {OPT_TOKEN, 0, "token", "TOKEN", "token", "API token (prefer OMSLOG_TOKEN or --token-file)"},
    {OPT_TOKEN_FILE, 0, "token-file", "PATH", "token_file",
     "read the API token from PATH (mode 600)"},
    {OPT_CONFIG, 0, "config", "PATH", NULL, "config file (default ~/.config/omslog/config)"},
    {OPT_PROFILE, 'p', "profile", "NAME", NULL,
     "use [profile NAME] of the config file (also OMSLOG_PROFILE)"},
    {OPT_INSECURE, 0, "insecure", NULL, "insecure",
     "do not verify TLS certificates (testing only)"},
    {OPT_CACERT, 0, "cacert", "FILE", "ca_file",
     "trust the CA certificates in FILE (PEM), e.g. a private CA"},
    {OPT_CERT, 0, "cert", "FILE", "cert_file", "client certificate (PEM) for servers that ask"},
    {OPT_KEY, 0, "key", "FILE", "key_file", "the client certificate's private key (mode 600)"},
    {OPT_TIMEOUT, 0, "timeout", "SECONDS", "timeout", "give up on a request after SECONDS (60)"},
    {OPT_CONNECT_TIMEOUT, 0, "connect-timeout", "SECONDS", "connect_timeout",
     "connect timeout (10)"},
    {OPT_LOW_SPEED_TIME, 0, "low-speed-time", "SECONDS", "low_speed_time",
     "give up on a response that stalls for SECONDS (0: never)"},
    {OPT_PAGE_SIZE, 0, "page-size", "N", "page_size",
     "ask for N entries a page (100; 0: the server's own size; it may ignore it)"},
    {OPT_RETRIES, 0, "retries", "N", "retries", "retries on 429/502/503/504/reset (4)"},
    {OPT_PARALLEL, 0, "parallel", "N", "parallel", "requests in flight at once (4)"},
    {OPT_MAX_RESPONSE, 0, "max-response", "SIZE", "max_response",
     "refuse a response larger than SIZE decoded (32M)"},
    {OPT_RETRY_BUDGET, 0, "retry-budget", "SECONDS", "retry_budget",
     "stop retrying a request after SECONDS of waits (60)"},
    {OPT_CACHE_PAGES, 0, "cache-pages", "N", "cache_pages", "browser: pages kept in memory (64)"},
    {OPT_FOLLOW, 0, "follow-interval", "SECONDS", "follow",
     "browser: follow-mode poll interval (5)"},
    {OPT_UTC, 0, "utc", NULL, "utc", "show times in UTC instead of local time"},
    {OPT_NO_COLOR, 0, "no-color", NULL, NULL, "no colours (also NO_COLOR=1)"},
    {OPT_VERBOSE, 'v', "verbose", NULL, NULL, "diagnostics on stderr (token masked)"},
    {OPT_HELP, 'h', "help", NULL, NULL, "show this help"},
    {OPT_VERSION, 0, "version", NULL, NULL, "show the version"},
    {OPT_LEVEL, 0, "level", "LEVEL", NULL,
     "list: LEVEL and above (name or number; =LEVEL: exactly)"},
    {OPT_APP, 0, "app", "APP", NULL, "list: only this app (repeatable; !APP excludes it)"},
    {OPT_SEARCH, 0, "search", "TEXT", NULL, "list: text in message/logger/app/trace (any case)"},
    {OPT_REGEX, 0, "regex", NULL, NULL, "list: --search TEXT is a regular expression"},
    {OPT_PAGE, 0, "page", "N", NULL, "list: start at page N (alone: only page N)"},
    {OPT_LIMIT, 0, "limit", "N", NULL, "list: stop after N matching entries (20)"},
    {OPT_ALL, 0, "all", NULL, NULL, "list: walk every page"},
    {OPT_SERVER_FILTER, 0, "server-filter", "MODE", "server_filter",
     "list: let the server filter: auto (where proven), off, require"},
    {OPT_REPROBE, 0, "reprobe", NULL, NULL,
     "browser, list: probe the server's filters again (not what is remembered)"},
    {OPT_FORMAT, 0, "format", "FMT", NULL, "table|json|jsonl|csv (list), text|json (get)"},
    {OPT_SINCE, 0, "since", "TIME", NULL,
     "list: entries at or after TIME (2023-12-02 10:00, 10:00, -2h, yesterday 14:00)"},
    {OPT_UNTIL, 0, "until", "TIME", NULL, "list: entries at or before TIME (no default limit)"},
    {OPT_AROUND, 0, "around", "ID", NULL, "list: the entries around log id ID"},
    {OPT_CONTEXT, 0, "context", "N", NULL, "list: --around shows N entries either side (10)"},
    {OPT_REVERSE, 0, "reverse", NULL, NULL, "list: oldest first"},
};

struct args {
    const char *command; /* NULL, "list", "get" */
    const char *get_id;
    const char *open_path; /* open FILE */
    const char *config_path;
    const char *profile;       /* -p NAME */
    char *link_profile;        /* the profile a link's origin chose (link_choose_config) */
    const char *link;          /* omslog URL: the browser opens on the link */
    int64_t link_id;           /* ... an entry's link: its id */
    struct filter link_filter; /* ... the list's link: its parameters */
    bool top_level_only;       /* a link matched the file's top-level url */
    bool token_on_cmdline;
    bool help, version, no_color, regex, all, reprobe, reverse;
    int verbose;
    const char *level, *search, *format, *page, *limit;
    const char *since, *until, *around, *context;
    const char **apps;
    size_t n_apps, apps_cap;
    char *token_copy; /* argv's bytes are wiped once copied, see apply_opt */
    struct {
        const char *key, *value, *source;
    } sets[32];
    size_t n_sets;
};

#define USAGE_BROWSE "usage: omslog [OPTIONS] [URL]           browse the action logs\n"
#define USAGE_LIST                                                                                \
    "usage: omslog [OPTIONS] list [--level L] [--app A]... [--search T] [--page N] "              \
    "[--limit N | --all] [--format F]\n"                                                          \
    "                             [--since T] [--until T] [--around ID [--context N]] "           \
    "[--reverse]\n"
#define USAGE_GET "usage: omslog [OPTIONS] get ID|URL [--format text|json]\n"
#define USAGE_PROFILES                                                                            \
    "usage: omslog [OPTIONS] profiles          list the config file's profiles\n"
#define USAGE_OPEN                                                                                \
    "usage: omslog [OPTIONS] open FILE         browse a file written by list --format jsonl or "  \
    "json (.gz too)\n"
#define LIST_HELP_PREFIX "list: "

/* The options, with their defaults in parentheses; list's own only when
 * command is NULL (every command) or "list". */
static void usage_options(FILE *f, const char *command)
{
    bool list = !command || strcmp(command, "list") == 0;
    fprintf(f, "\noptions:\n");
    for (size_t i = 0; i < ARRAY_LEN(options); i++) {
        char left[48];
        const struct opt *o = &options[i];
        if (!list && strncmp(o->help, LIST_HELP_PREFIX, strlen(LIST_HELP_PREFIX)) == 0)
            continue;
        if (o->short_name)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        fprintf(f, "  %-30s %s\n", left, o->help);
    }
}

/* --help, `omslog help [COMMAND]` and `omslog COMMAND --help`. */
static void usage(FILE *f, const char *command)
{
    if (command && strcmp(command, "list") == 0)
        fputs(USAGE_LIST, f);
    else if (command && strcmp(command, "get") == 0)
        fputs(USAGE_GET "       (--format and the options below; ID a log id, URL an entry's "
                        "API URL)\n",
              f);
    else if (command && strcmp(command, "profiles") == 0)
        fputs(USAGE_PROFILES, f);
    else if (command && strcmp(command, "open") == 0)
        fputs(USAGE_OPEN "       (no server, no configuration needed; the browser's keys as "
                         "usual, but follow and the copies that need a server)\n",
              f);
    else
        fprintf(f, "%s       %s       %s       %s       %s", USAGE_BROWSE,
                USAGE_LIST + strlen("usage: "), USAGE_GET + strlen("usage: "),
                USAGE_PROFILES + strlen("usage: "), USAGE_OPEN + strlen("usage: "));
    usage_options(f, command);
    if (command)
        return;
    fprintf(f,
            "\nenvironment: OMSLOG_URL, OMSLOG_TOKEN, OMSLOG_TOKEN_FILE, OMSLOG_CONFIG, "
            "OMSLOG_PROFILE, NO_COLOR\nexit status: 0 ok, 2 usage, 3 config, 4 auth, 5 not found, "
            "6 bad request,\n  7 rate limited, 8 server error, 9 connect, 10 dns, 11 tls, "
            "12 timeout,\n  13 bad response, 14 other origin refused, 15 output error, "
            "1 internal,\n  128+N the browser quit on signal N\nSee omslog(1).\n");
}

static const struct opt *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < ARRAY_LEN(options); i++)
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
            return &options[i];
    return NULL;
}

static const struct opt *find_short(char c)
{
    for (size_t i = 0; i < ARRAY_LEN(options); i++)
        if (options[i].short_name == c)
            return &options[i];
    return NULL;
}

/* An option that sets a config key (config.h): recorded, applied in order
 * after the config file; --token is copied and wiped from argv. */
static int apply_config_opt(struct args *a, const struct opt *o, char *value,
                            struct omslog_error *err)
{
    if (a->n_sets == ARRAY_LEN(a->sets))
        return error_set(err, OMSLOG_ERR_USAGE, "too many options");
    a->sets[a->n_sets].key = o->config_key;
    a->sets[a->n_sets].value = value ? value : "true";
    a->sets[a->n_sets].source = o->id == OPT_TOKEN ? "--token" : "the command line";
    a->n_sets++;
    if (o->id == OPT_TOKEN) {
        a->token_on_cmdline = true;
        char *old = a->token_copy;
        a->token_copy = xstrdup(value);
        /* --token given again: earlier entries must not keep pointing
         * at the copy freed here (the last one wins, as for any flag). */
        for (size_t i = 0; i < a->n_sets; i++)
            if (old && a->sets[i].value == old)
                a->sets[i].value = a->token_copy;
        a->sets[a->n_sets - 1].value = a->token_copy;
        if (old) {
            explicit_bzero(old, strlen(old));
            free(old);
        }
        /* value points into argv ("--token=KEY" or the next argument):
         * overwrite it where it lies, so ps and /proc/<pid>/cmdline stop
         * showing the key (the length stays visible, as with mysql -p). */
        memset(value, ARGV_WIPE_CHAR, strlen(value));
    }
    return 0;
}

/* The list command's own options. */
static void apply_list_opt(struct args *a, const struct opt *o, char *value)
{
    switch (o->id) {
    case OPT_LEVEL:
        a->level = value;
        break;
    case OPT_APP:
        ARRAY_GROW(a->apps, a->apps_cap, a->n_apps + 1);
        a->apps[a->n_apps++] = value;
        break;
    case OPT_SEARCH:
        a->search = value;
        break;
    case OPT_REGEX:
        a->regex = true;
        break;
    case OPT_PAGE:
        a->page = value;
        break;
    case OPT_LIMIT:
        a->limit = value;
        break;
    case OPT_REPROBE:
        a->reprobe = true;
        break;
    case OPT_ALL:
        a->all = true;
        break;
    case OPT_FORMAT:
        a->format = value;
        break;
    case OPT_SINCE:
        a->since = value;
        break;
    case OPT_UNTIL:
        a->until = value;
        break;
    case OPT_AROUND:
        a->around = value;
        break;
    case OPT_CONTEXT:
        a->context = value;
        break;
    case OPT_REVERSE:
        a->reverse = true;
        break;
    default:
        break;
    }
}

static int apply_opt(struct args *a, const struct opt *o, char *value, struct omslog_error *err)
{
    if (o->config_key)
        return apply_config_opt(a, o, value, err);
    switch (o->id) {
    case OPT_CONFIG:
        a->config_path = value;
        break;
    case OPT_PROFILE:
        a->profile = value;
        break;
    case OPT_NO_COLOR:
        a->no_color = true;
        break;
    case OPT_VERBOSE:
        a->verbose++;
        break;
    case OPT_HELP:
        a->help = true;
        break;
    case OPT_VERSION:
        a->version = true;
        break;
    default:
        apply_list_opt(a, o, value);
        break;
    }
    return 0;
}

/* After a usage error, parsing may have stopped before a --token it would
 * have copied and wiped: wipe whatever follows any --token now (the process
 * is about to exit, so a mistaken wipe costs nothing). */
static void wipe_token_args(int argc, char **argv)
{
    static const char flag[] = "--token";
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], flag, strlen(flag)) != 0)
            continue;
        char *v = argv[i] + strlen(flag);
        if (*v == '=')
            memset(v + 1, ARGV_WIPE_CHAR, strlen(v + 1));
        else if (*v == '\0' && i + 1 < argc)
            memset(argv[i + 1], ARGV_WIPE_CHAR, strlen(argv[i + 1]));
    }
}

static bool link_is_url(const char *s)
{
    return strncmp(s, "http://", strlen("http://")) == 0 ||
           strncmp(s, "https://", strlen("https://")) == 0;
}

/* An entry's API URL (".../api/v1/oms/logs/action_log/1234/", as y 4 copies
 * it): 0 with *id; 1 for the list URL; -1 for anything else. */
static int link_parse(const char *s, int64_t *id)
{
    const char *p = strstr(s, URL_API_PATH);
    if (!p)
        return -1;
    p += strlen(URL_API_PATH);
    size_t n = strspn(p, "0123456789");
    if (n == 0)
        return *p == '\0' || *p == '?' || *p == '#' ? 1 : -1;
    char digits[24];
    if (n >= sizeof digits)
        return -1;
    memcpy(digits, p, n);
    digits[n] = '\0';
    p += n;
    if (*p == '/')
        p++;
    if ((*p != '\0' && *p != '?' && *p != '#') || parse_int64(digits, id) != 0)
        return -1;
    return 0;
}

static int parse_args(int argc, char **argv, struct args *a, struct omslog_error *err)
{
    bool only_positional = false;
    for (int i = 1; i < argc; i++) {
        char *s = argv[i];
        if (!only_positional && strcmp(s, "--") == 0) {
            only_positional = true;
        } else if (!only_positional && s[0] == '-' && s[1] == '-') {
            char *eq = strchr(s + 2, '=');
            size_t len = eq ? (size_t)(eq - (s + 2)) : strlen(s + 2);
            const struct opt *o = find_long(s + 2, len);
            if (!o)
                return error_set(err, OMSLOG_ERR_USAGE, "unknown option --%.*s (see --help)",
                                 (int)(len > 40 ? 40 : len), s + 2);
            char *value = NULL;
            if (o->arg) {
                if (eq)
                    value = eq + 1;
                else if (i + 1 < argc)
                    value = argv[++i];
                else
                    return error_set(err, OMSLOG_ERR_USAGE, "--%s needs a value (%s)", o->name,
                                     o->arg);
            } else if (eq) {
                return error_set(err, OMSLOG_ERR_USAGE, "--%s takes no value", o->name);
            }
            if (apply_opt(a, o, value, err))
                return err->status;
        } else if (!only_positional && s[0] == '-' && s[1] && !(s[1] >= '0' && s[1] <= '9')) {
            for (char *c = s + 1; *c; c++) {
                const struct opt *o = find_short(*c);
                if (!o)
                    return error_set(err, OMSLOG_ERR_USAGE, "unknown option -%c (see --help)",
                                     (*c > ' ' && *c < 127) ? *c : '?');
                char *value = NULL;
                if (o->arg) { /* -pNAME or -p NAME: the rest of the word, else the next one */
                    if (c[1])
                        value = c + 1;
                    else if (i + 1 < argc)
                        value = argv[++i];
                    else
                        return error_set(err, OMSLOG_ERR_USAGE, "-%c needs a value (%s)", *c,
                                         o->arg);
                }
                apply_opt(a, o, value, err);
                if (value)
                    break;
            }
        } else if (!a->command && !a->link && link_is_url(s)) {
            a->link = s;
        } else if (!a->command) {
            if (strcmp(s, "help") == 0) {
                a->help = true; /* omslog help [COMMAND] */
                continue;
            }
            if (strcmp(s, "list") != 0 && strcmp(s, "get") != 0 && strcmp(s, "profiles") != 0 &&
                strcmp(s, "open") != 0)
                return error_set(err, OMSLOG_ERR_USAGE,
                                 "unknown command \"%.*s\": use list, get, open or profiles (see "
                                 "--help)",
                                 arg_cut(s, ARG_QUOTE_MAX), s);
            a->command = s;
        } else if (strcmp(a->command, "get") == 0 && !a->get_id) {
            a->get_id = s;
        } else if (strcmp(a->command, "open") == 0 && !a->open_path) {
            a->open_path = s;
        } else {
            return error_set(err, OMSLOG_ERR_USAGE, "unexpected argument \"%.*s\"",
                             arg_cut(s, ARG_QUOTE_MAX), s);
        }
    }
    return 0;
}

static int load_config_file(struct config *cfg, const struct args *a, struct omslog_error *err)
{
    const char *path = a->config_path ? a->config_path : getenv("OMSLOG_CONFIG");
    bool required = path != NULL;
    char *def = required ? NULL : config_default_path();
    int rc = 0;
    if (path || def)
        rc = config_load_file(cfg, path ? path : def, required, err);
    free(def);
    return rc;
}

static bool url_given(const struct args *a)
{
    for (size_t i = 0; i < a->n_sets; i++)
        if (strcmp(a->sets[i].key, "url") == 0)
            return true;
    const char *env = getenv("OMSLOG_URL");
    return env && *env;
}

static int link_no_config(const char *link, struct omslog_error *err)
{
    struct http_origin o;
    char origin[HTTP_ORIGIN_TEXT_MAX];
    if (http_origin_parse(link, &o) == 0)
        http_origin_text(&o, origin, sizeof origin);
    else
        snprintf(origin, sizeof origin, "%s", "its server");
    return error_set(err, OMSLOG_ERR_CONFIG,
                     "no configuration for %s, the link's server: omslog sends a token only to a "
                     "server it was configured for; add a [profile NAME] section with url = %s "
                     "and its token_file (or give --url and the token for it)",
                     origin, origin);
}

/* `get URL`: the configuration for the link's origin. -p, OMSLOG_PROFILE or
 * a url from the environment or a flag decide when given; otherwise the
 * profile whose url has the link's origin (config_profile_for_url), else the
 * top-level url's. build_config's caller then checks the result's origin
 * (link_check_origin): whatever chose it, the token goes nowhere else. */
static int link_choose_config(struct args *a, const char *link, struct omslog_error *err)
{
    const char *env_profile = getenv("OMSLOG_PROFILE");
    if (a->profile || (env_profile && *env_profile) || url_given(a))
        return 0;
    struct config files;
    config_defaults(&files);
    files.top_level_only = true;
    int rc = load_config_file(&files, a, err);
    if (!rc) {
        const char *name = config_profile_for_url(&files, link);
        if (name)
            a->link_profile = xstrdup(name);
        else if (files.file_url && http_same_origin(files.file_url, link))
            a->top_level_only = true;
        else
            rc = link_no_config(link, err);
    }
    config_free(&files);
    return rc;
}

static int link_check_origin(const struct config *cfg, const char *link, struct omslog_error *err)
{
    if (cfg->url && http_same_origin(cfg->url, link))
        return 0;
    if (!cfg->url)
        return link_no_config(link, err);
    return error_set(err, OMSLOG_ERR_CONFIG,
                     "the link's server is not %s (the url%s%s in use): omslog sends its token "
                     "only there; drop -p/--url to pick the configuration for the link, or add "
                     "a profile for its server",
                     cfg->url, cfg->profile ? " of profile " : "",
                     cfg->profile ? cfg->profile : "");
}

/* `omslog URL`: the entry to open on, or the list's parameters as filters
 * (a usage error when one has none). */
static int link_browse(struct args *a, struct omslog_error *err)
{
    int kind = link_parse(a->link, &a->link_id);
    if (kind < 0)
        return error_set(err, OMSLOG_ERR_USAGE,
                         "not a link omslog opens: expected an entry's https://HOST" URL_API_PATH
                         "ID/ or the list's https://HOST" URL_API_PATH "?level__gte=40...");
    if (kind == 1)
        return url_list_filter(a->link, &a->link_filter, err);
    return 0;
}

/* `get URL` or `omslog URL` before the configuration is built: a usage
 * error for a link that is neither an entry's nor (browsing) the list's,
 * else link_choose_config. */
static int link_prepare(struct args *a, struct omslog_error *err)
{
    if (a->link) {
        if (a->command)
            return error_set(err, OMSLOG_ERR_USAGE,
                             "a link opens the browser (omslog URL) or is printed (omslog get "
                             "URL), not with %s",
                             a->command);
        int rc = link_browse(a, err);
        return rc ? rc : link_choose_config(a, a->link, err);
    }
    int64_t id;
    int kind = link_parse(a->get_id, &id);
    if (kind == 1)
        return error_set(err, OMSLOG_ERR_USAGE,
                         "get takes an entry's link (..." URL_API_PATH "ID/), not the list's");
    if (kind < 0)
        return error_set(err, OMSLOG_ERR_USAGE,
                         "not a log entry's link: expected https://HOST" URL_API_PATH "ID/");
    return link_choose_config(a, a->get_id, err);
}

/* Build the configuration: defaults < file < environment < flags. */
static int build_config(struct config *cfg, const struct args *a, struct omslog_error *err)
{
    config_defaults(cfg);
    config_choose_profile(cfg, a->link_profile ? a->link_profile : a->profile, NULL);
    cfg->top_level_only = a->top_level_only;
    /* Listing the profiles, or opening a file, sends nothing: no token to
     * read (a token file that fails its checks must not fail them), no
     * pairing to check. */
    bool listing =
        a->command && (strcmp(a->command, "profiles") == 0 || strcmp(a->command, "open") == 0);
    cfg->skip_token_files = listing;
    int rc = load_config_file(cfg, a, err);
    if (rc)
        return rc;
    if ((rc = config_apply_env(cfg, NULL, err)))
        return rc;
    for (size_t i = 0; i < a->n_sets; i++)
        if ((rc = config_set(cfg, a->sets[i].key, a->sets[i].value, a->sets[i].source, err)))
            return rc;
    config_apply_tls_env(cfg, NULL);
    if (!listing && (rc = config_finish(cfg, err)))
        return rc;
    if (a->no_color)
        cfg->no_color = true;
    if (a->verbose > cfg->verbose)
        cfg->verbose = a->verbose;
    return 0;
}

/* The token lives in this process's memory (the argv copy, the config, the
 * HTTP client's Authorization header). A core file would put it on disk where
 * other tools and people may read it, and a debugger of the same user could
 * read it live. PR_SET_DUMPABLE 0 stops both, including core_pattern pipes
 * (systemd-coredump, apport), which ignore RLIMIT_CORE; RLIMIT_CORE 0 also
 * covers fs.suid_dumpable=2, which writes root-readable cores even of
 * processes that are not dumpable. Failures are ignored: neither call can
 * fail for an unprivileged process lowering its own limits. */
static void disable_core_dumps(void)
{
    struct rlimit none = {0, 0};
    (void)setrlimit(RLIMIT_CORE, &none);
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* What every diagnostic passes through: URLs redacted (url.h), then
 * sanitised with the token's runs redacted (format.h). */
static void diagnostic_clean(struct buf *out, const char *s, size_t len, const char *secret,
                             unsigned flags)
{
    struct buf urls;
    buf_init(&urls);
    url_redact(&urls, s, len);
    format_redacted(out, buf_str(&urls), urls.len, secret, flags);
    buf_free(&urls);
}

/* One diagnostic line on stderr. */
static void print_diagnostic(const char *prefix, const char *msg, const char *secret)
{
    struct buf b;
    buf_init(&b);
    buf_appends(&b, prefix);
    diagnostic_clean(&b, msg, strlen(msg), secret, SANITIZE_ONE_LINE);
    buf_putc(&b, '\n');
    fputs(buf_str(&b), stderr);
    buf_free(&b);
}

/* A stderr stream for --verbose that passes whole lines through
 * diagnostic_clean: the HTTP layer quotes URLs and Location headers a server
 * chose, and a hostile or broken server may echo the token in them. */
struct safe_stream {
    char *secret;
    struct buf pending; /* the current, unfinished line */
};

static void safe_stream_emit(struct safe_stream *s, size_t n)
{
    struct buf out;
    buf_init(&out);
    diagnostic_clean(&out, s->pending.data, n, s->secret,
                     SANITIZE_KEEP_NEWLINE | SANITIZE_KEEP_TAB);
    if (out.len)
        fwrite(out.data, 1, out.len, stderr);
    buf_free(&out);
    memmove(s->pending.data, s->pending.data + n, s->pending.len - n);
    s->pending.len -= n;
    s->pending.data[s->pending.len] = '\0';
}

static ssize_t safe_stream_write(void *cookie, const char *data, size_t n)
{
    struct safe_stream *s = cookie;
    buf_append(&s->pending, data, n);
    size_t end = s->pending.len;
    while (end > 0 && s->pending.data[end - 1] != '\n')
        end--;
    if (end == 0 && s->pending.len > SAFE_STREAM_MAX_LINE)
        end = s->pending.len; /* no newline for this long: write it anyway */
    if (end > 0)
        safe_stream_emit(s, end);
    return (ssize_t)n;
}

static int safe_stream_close(void *cookie)
{
    struct safe_stream *s = cookie;
    if (s->pending.len)
        safe_stream_emit(s, s->pending.len);
    buf_free(&s->pending);
    if (s->secret) {
        explicit_bzero(s->secret, strlen(s->secret));
        free(s->secret);
    }
    free(s);
    return 0;
}

/* Returns the stream (fclose it), or stderr itself when it cannot be made. */
static FILE *safe_stream_open(const char *secret)
{
    struct safe_stream *s = xcalloc(1, sizeof *s);
    s->secret = secret ? xstrdup(secret) : NULL;
    cookie_io_functions_t io = {.write = safe_stream_write, .close = safe_stream_close};
    FILE *f = fopencookie(s, "w", io);
    if (!f) {
        safe_stream_close(s);
        return stderr;
    }
    /* Unbuffered: each fprintf reaches the cookie at once, which writes every
     * finished line, so the order with direct stderr writes is kept. */
    setvbuf(f, NULL, _IONBF, 0);
    return f;
}

/* The proxy settings libcurl reads from the environment (it ignores
 * HTTP_PROXY in capitals), through the redacting stream: they may hold a
 * user:password. */
static void verbose_proxies(FILE *verbose)
{
    static const char *const names[] = {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy",
                                        "ALL_PROXY",  "no_proxy",    "NO_PROXY"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        const char *v = getenv(names[i]);
        if (v && *v)
            fprintf(verbose, "omslog: proxy setting %s=%s\n", names[i], v);
    }
}

static void warn_about_transport(const struct config *cfg)
{
    if (cfg->insecure)
        fprintf(stderr,
                "omslog: warning: TLS certificate verification is disabled (--insecure)\n");
    /* Only a base that will be used: api_new reports one url_endpoint refuses. */
    char *endpoint = cfg->url && cfg->token ? url_endpoint(cfg->url, NULL) : NULL;
    struct http_origin o;
    if (endpoint && http_origin_parse(endpoint, &o) == 0 && strcmp(o.scheme, "http") == 0 &&
        !http_origin_is_loopback(&o))
        fprintf(stderr,
                "omslog: warning: the API token is sent over plain http to %s; "
                "use https\n",
                o.host);
    free(endpoint);
}

/* --since, --until (times read as the display is: local, or UTC with
 * --utc), --around, --context, --reverse into o. */
static int list_time_options(const struct config *cfg, const struct args *a,
                             struct cli_list_opts *o, struct omslog_error *err)
{
    struct log_time now = datetime_now();
    int64_t v;
    o->context = CLI_DEFAULT_CONTEXT;
    o->reverse = a->reverse;
    if (a->since && datetime_parse_user(a->since, now, cfg->utc, &o->since, err) != OMSLOG_OK)
        return error_set(err, OMSLOG_ERR_USAGE, "--since: %s", err->msg);
    if (a->until && datetime_parse_user(a->until, now, cfg->utc, &o->until, err) != OMSLOG_OK)
        return error_set(err, OMSLOG_ERR_USAGE, "--until: %s", err->msg);
    o->has_since = a->since != NULL;
    o->has_until = a->until != NULL;
    if ((a->since || a->until) && a->page)
        return error_set(err, OMSLOG_ERR_USAGE, "--page goes without --since and --until");
    if (o->has_since && o->has_until && datetime_cmp(o->since, o->until) > 0)
        return error_set(err, OMSLOG_ERR_USAGE, "--since is after --until");
    if (a->context && !a->around)
        return error_set(err, OMSLOG_ERR_USAGE, "--context goes with --around ID");
    if (a->context && (parse_int64(a->context, &v) != 0 || v < 0 || v > INT32_MAX))
        return error_set(err, OMSLOG_ERR_USAGE, "--context needs a number (0 or more)");
    if (a->context)
        o->context = (long)v;
    if (!a->around)
        return 0;
    if (parse_int64(a->around, &o->around_id) != 0 || o->around_id < 0)
        return error_set(err, OMSLOG_ERR_USAGE, "--around needs a log id (a whole number)");
    if (a->since || a->until || a->page || a->limit || a->all)
        return error_set(err, OMSLOG_ERR_USAGE,
                         "--around goes without --since, --until, --page, --limit and --all");
    o->around = true;
    return 0;
}

static int run_list(struct api *api, const struct config *cfg, const struct args *a,
                    struct omslog_error *err)
{
    struct cli_list_opts o = {.page = 1,
                              .format = isatty(STDOUT_FILENO) ? FORMAT_TABLE : FORMAT_JSONL};
    filter_init(&o.filter);
    int rc = 0;
    int64_t v;
    if (a->format && (format_parse(a->format, &o.format) != 0 || o.format == FORMAT_TEXT))
        rc = error_set(err, OMSLOG_ERR_USAGE,
                       "unknown --format \"%.*s\": use table, json, jsonl or csv",
                       arg_cut(a->format, ARG_WORD_MAX), a->format);
    else if (a->level &&
             level_parse(a->level + (a->level[0] == '='),
                         a->level[0] == '=' ? &o.filter.exact_level : &o.filter.min_level) != 0)
        rc = error_set(err, OMSLOG_ERR_USAGE,
                       "unknown level \"%.*s\": use notset, debug, info, warning, error, "
                       "critical or a number",
                       arg_cut(a->level, ARG_WORD_MAX), a->level);
    else if (a->page && (parse_int64(a->page, &v) != 0 || v < 1 || v > INT32_MAX))
        rc = error_set(err, OMSLOG_ERR_USAGE, "--page needs a positive number");
    else if (a->limit && (parse_int64(a->limit, &v) != 0 || v < 1 || v > INT32_MAX))
        rc = error_set(err, OMSLOG_ERR_USAGE, "--limit needs a positive number");
    else if (a->limit && a->all)
        rc = error_set(err, OMSLOG_ERR_USAGE, "use either --limit or --all, not both");
    if (!rc)
        rc = list_time_options(cfg, a, &o, err);
    if (!rc && a->search)
        rc = filter_set_search(&o.filter, a->search, !a->regex, err);
    if (!rc) {
        for (size_t i = 0; i < a->n_apps; i++)
            filter_add_app_item(&o.filter, a->apps[i]);
        if (a->page && parse_int64(a->page, &v) == 0) {
            o.page = (long)v;
            o.page_given = true;
        }
        if (a->limit && parse_int64(a->limit, &v) == 0)
            o.limit = (long)v;
        o.all = a->all;
        o.reprobe = a->reprobe;
        rc = cli_list(api, cfg, &o, stdout, err);
    }
    filter_free(&o.filter);
    return rc;
}

static int run_get(struct api *api, const struct config *cfg, const struct args *a,
                   struct omslog_error *err)
{
    enum format_kind f = FORMAT_TEXT;
    int64_t id;
    if (!a->get_id)
        return error_set(err, OMSLOG_ERR_USAGE, "get needs a log id: omslog get ID");
    if (link_is_url(a->get_id) ? link_parse(a->get_id, &id) != 0
                               : parse_int64(a->get_id, &id) != 0 || id < 0)
        return error_set(err, OMSLOG_ERR_USAGE, "\"%.*s\" is not a log id (a whole number)",
                         arg_cut(a->get_id, ARG_QUOTE_MAX), a->get_id);
    if (a->format && (format_parse(a->format, &f) != 0 || (f != FORMAT_TEXT && f != FORMAT_JSON)))
        return error_set(err, OMSLOG_ERR_USAGE,
                         "unknown --format \"%.*s\" for get: use text or json",
                         arg_cut(a->format, ARG_WORD_MAX), a->format);
    return cli_get(api, cfg, id, f, stdout, err);
}

/* `omslog open FILE`: the browser over a file's entries. What was skipped
 * goes to stderr too, where it stays after the browser has quit. */
static int run_open(const struct config *cfg, const char *path, struct omslog_error *err)
{
    struct filesrc *f = filesrc_open(path, err);
    if (!f)
        return err->status;
    char bad[OMSLOG_ERROR_MSG_MAX];
    filesrc_bad_describe(f, bad, sizeof bad);
    if (*bad) {
        struct buf b = {0};
        format_redacted(&b, bad, strlen(bad), NULL, SANITIZE_ONE_LINE);
        fprintf(stderr, "omslog: %s\n", buf_str(&b));
        buf_free(&b);
    }
    int rc = ui_run_file(cfg, f, err);
    filesrc_free(f);
    return rc;
}

/* `omslog profiles`: name and url of each profile, the one in use marked
 * with '*' (production ones say so); never a token. */
static int run_profiles(const struct config *cfg, struct omslog_error *err)
{
    if (cfg->n_profiles == 0)
        printf("no profiles: add [profile NAME] sections (url, token_file...) to the config "
               "file\n");
    int width = 0;
    for (size_t i = 0; i < cfg->n_profiles; i++)
        if ((int)strlen(cfg->profiles[i].name) > width)
            width = (int)strlen(cfg->profiles[i].name);
    for (size_t i = 0; i < cfg->n_profiles; i++) {
        const struct config_profile *p = &cfg->profiles[i];
        bool used = cfg->profile && strcmp(cfg->profile, p->name) == 0;
        const char *url = p->url ? p->url : cfg->file_url ? cfg->file_url : "(no url)";
        printf("%c %-*s  %s%s\n", used ? '*' : ' ', width, p->name, url,
               p->production ? "  (production)" : "");
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        return error_set(err, OMSLOG_ERR_IO, "cannot write the profiles to stdout");
    return 0;
}

static bool list_only_options_used(const struct args *a)
{
    return a->level || a->search || a->page || a->limit || a->all || a->n_apps || a->regex ||
           a->since || a->until || a->around || a->context || a->reverse;
}

/* The --verbose stream (it redacts the token and URL secrets) with what was
 * configured said first. */
static FILE *verbose_open(const struct config *cfg)
{
    FILE *verbose = safe_stream_open(cfg->token);
    char mask[64];
    config_mask_token(cfg->token, mask, sizeof mask);
    fprintf(verbose, "omslog: url %s, token %s (from %s)\n", cfg->url ? cfg->url : "(none)", mask,
            cfg->token_source ? cfg->token_source : "nowhere");
    /* Which CAs are trusted: CURL_CA_BUNDLE set system-wide silently wins
     * over SSL_CERT_FILE, as in curl. */
    if (cfg->ca_file || cfg->ca_path)
        fprintf(verbose, "omslog: trusting the CA certificates in %s%s%s\n",
                cfg->ca_file ? cfg->ca_file : "", cfg->ca_file && cfg->ca_path ? " and " : "",
                cfg->ca_path ? cfg->ca_path : "");
    verbose_proxies(verbose);
    return verbose;
}

/* Usage errors found before any configuration is read. */
static int check_command_args(const struct args *a, struct omslog_error *err)
{
    if ((!a->command || strcmp(a->command, "list") != 0) && list_only_options_used(a))
        return error_set(err, OMSLOG_ERR_USAGE,
                         "--level, --app, --search, --page, --limit, --all, --since, --until, "
                         "--around, --context and --reverse belong to the list command");
    if (a->command && strcmp(a->command, "open") == 0 && !a->open_path)
        return error_set(err, OMSLOG_ERR_USAGE,
                         "open needs a file: omslog open FILE (written by omslog list "
                         "--format jsonl)");
    if (a->command && strcmp(a->command, "get") == 0 && !a->get_id)
        return error_set(err, OMSLOG_ERR_USAGE,
                         "get needs a log id or an entry's URL: omslog get ID");
    return OMSLOG_OK;
}

int main(int argc, char **argv)
{
    struct args a = {0};
    struct omslog_error err = {0};
    struct config cfg = {0};
    struct api *api = NULL;
    FILE *verbose = NULL;
    filter_init(&a.link_filter);
    disable_core_dumps(); /* first: nothing secret has been read yet */
    int rc = parse_args(argc, argv, &a, &err);
    if (rc)
        wipe_token_args(argc, argv); /* parsing stopped before reaching them */
    sanitize_locale_init();
    if (!rc && a.help) {
        usage(stdout, a.command);
        goto out;
    }
    if (!rc && a.version) {
        printf("omslog %s\n", OMSLOG_VERSION);
        goto out;
    }
    if (!rc)
        rc = check_command_args(&a, &err);
    const char *link = a.link ? a.link : a.get_id && link_is_url(a.get_id) ? a.get_id : NULL;
    if (!rc && link)
        rc = link_prepare(&a, &err);
    if (!rc)
        rc = build_config(&cfg, &a, &err);
    if (!rc && link)
        rc = link_check_origin(&cfg, link, &err);
    if (rc)
        goto out;
    if (strcmp(a.command ? a.command : "", "profiles") == 0) {
        rc = run_profiles(&cfg, &err);
        goto out;
    }
    if (strcmp(a.command ? a.command : "", "open") == 0) {
        rc = run_open(&cfg, a.open_path, &err);
        goto out;
    }
    if (a.token_on_cmdline)
        fprintf(stderr, "omslog: hint: other users can read --token in the process list; use "
                        "OMSLOG_TOKEN or --token-file instead\n");
    warn_about_transport(&cfg);
    if (cfg.verbose)
        verbose = verbose_open(&cfg);
    api = api_new(&cfg, verbose, &err);
    if (!api) {
        rc = err.status ? (int)err.status : OMSLOG_ERR_INTERNAL;
        goto out;
    }
    /* A person at a terminal learns why list or get sits still; the browser
     * owns the terminal and shows its own status. */
    if (a.command && isatty(STDERR_FILENO))
        api_set_notice(api, verbose ? verbose : stderr);
    if (!a.command) {
        struct ui_start start = {
            .jump_id = a.link_id, .filter = &a.link_filter, .reprobe = a.reprobe};
        rc = ui_run_at(&cfg, api, &start, &err);
    } else if (strcmp(a.command, "list") == 0)
        rc = run_list(api, &cfg, &a, &err);
    else
        rc = run_get(api, &cfg, &a, &err);
out:
    if (rc && err.msg[0])
        print_diagnostic("omslog: ", err.msg, cfg.token ? cfg.token : a.token_copy);
    api_free(api);
    if (verbose && verbose != stderr)
        fclose(verbose);
    config_free(&cfg);
    free(a.apps);
    free(a.link_profile);
    filter_free(&a.link_filter);
    if (a.token_copy)
        explicit_bzero(a.token_copy, strlen(a.token_copy));
    free(a.token_copy);
    http_global_cleanup();
    return rc;
}
