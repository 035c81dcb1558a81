/* test_url.c — base URL normalising, page/entry URLs, query parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the headers above first. */
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "omslog/buf.h"
#include "omslog/filter.h"
#include "omslog/url.h"
#include "omslog/util.h"

#define EP "https://oms.example.com/api/v1/oms/logs/action_log/"

static void assert_endpoint(const char *base, const char *want)
{
    struct omslog_error err = {0};
    char *got = url_endpoint(base, &err);
    if (!got)
        fail_msg("url_endpoint(\"%s\") failed: %s", base, err.msg);
    assert_string_equal(got, want);
    free(got);
}

/* Returns the error message of a refused base (caller does not free). */
static const char *endpoint_error(const char *base)
{
    static struct omslog_error err;
    error_clear(&err);
    char *got = url_endpoint(base, &err);
    if (got)
        fail_msg("url_endpoint(\"%s\") accepted: %s", base, got);
    assert_int_equal(err.status, OMSLOG_ERR_CONFIG);
    assert_true(err.msg[0] != '\0');
    return err.msg;
}

static void test_endpoint_forms(void **state)
{
    (void)state;
    assert_endpoint("https://oms.example.com", EP);
    assert_endpoint("https://oms.example.com/", EP);
    assert_endpoint("https://oms.example.com///", EP);
    assert_endpoint("https://oms.example.com/api/v1/oms/logs/action_log", EP);
    assert_endpoint("https://oms.example.com/api/v1/oms/logs/action_log/", EP);
    assert_endpoint("https://oms.example.com/api/v1/oms/logs/action_log//", EP);
    assert_endpoint("http://oms.example.com", "http://oms.example.com" URL_API_PATH);
}

static void test_endpoint_prefix_and_ports(void **state)
{
    (void)state;
    assert_endpoint("https://h/oms", "https://h/oms/api/v1/oms/logs/action_log/");
    assert_endpoint("https://h/oms/", "https://h/oms/api/v1/oms/logs/action_log/");
    assert_endpoint("https://h/oms/api/v1/oms/logs/action_log",
                    "https://h/oms/api/v1/oms/logs/action_log/");
    assert_endpoint("http://127.0.0.1:8000", "http://127.0.0.1:8000" URL_API_PATH);
    assert_endpoint("https://h:8443/x/", "https://h:8443/x" URL_API_PATH);
    /* Default ports are dropped: http://h:80 and http://h are the same server. */
    assert_endpoint("http://h:80/", "http://h" URL_API_PATH);
    assert_endpoint("https://h:443", "https://h" URL_API_PATH);
    assert_endpoint("http://h:443", "http://h:443" URL_API_PATH);
    assert_endpoint("http://[::1]:8080", "http://[::1]:8080" URL_API_PATH);
    assert_endpoint("http://[2001:DB8::1]/", "http://[2001:db8::1]" URL_API_PATH);
    /* Scheme and host are case-insensitive; the path is not. */
    assert_endpoint("HTTPS://OMS.Example.COM/Prefix",
                    "https://oms.example.com/Prefix" URL_API_PATH);
    /* A path that only looks like the API path is a prefix. */
    assert_endpoint("https://h/api/v1/oms/logs", "https://h/api/v1/oms/logs" URL_API_PATH);
    /* The API path must match at a segment boundary: this is not it, and
     * not a prefix either (see test_endpoint_api_path_typo). */
    endpoint_error("https://h/x_api/v1/oms/logs/action_log");
}

/* A path ending in the action log that is not the API path is a typo: said
 * so, naming the expected path, and the API path is not appended to it. */
static void test_endpoint_api_path_typo(void **state)
{
    (void)state;
    const char *m = endpoint_error("https://oms.example.com/api/v1/oms/log/action_log/");
    assert_non_null(strstr(m, "\"https://oms.example.com/api/v1/oms/log/action_log/\""));
    assert_non_null(strstr(m, "not the API path \"" URL_API_PATH "\""));
    assert_null(strstr(m, "action_log/api/"));
    static const char *const typos[] = {
        "https://h/oms/log/action_log/",
        "https://h/api/v1/oms/logs/action-log",
        "https://h/api/v2/oms/logs/action_log",
        "https://h/api/v1/oms/logs/action_logs/",
        "https://h/ActionLog",
    };
    for (size_t i = 0; i < sizeof typos / sizeof typos[0]; i++) {
        m = endpoint_error(typos[i]);
        if (!strstr(m, "is not the API path"))
            fail_msg("%s: %s", typos[i], m);
    }
    /* Names that only contain the words are prefixes as before. */
    assert_endpoint("https://h/action_login", "https://h/action_login" URL_API_PATH);
    assert_endpoint("https://h/action_log/x", "https://h/action_log/x" URL_API_PATH);
}

/* Errors found before the userinfo check (a space, no scheme, a bad scheme)
 * quote the URL: the password must not be in the quote (fuzz finding). */
static void test_errors_never_quote_credentials(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "://user:s3cret@",
        "https://user:s3cret@oms example.com/",
        "ftp://user:s3cret@oms.example.com/",
        "user:s3cret@oms.example.com",
        "https://user:s3cret@h\x01ost/",
        "gopher://a:s3cret@b@c/",
        "user:s3cret@host://x",
        "httphttp:e://user:s3cret@om/:e://user:s3cret@om/", /* fuzz finding */
        "https://h/x?u=https://user:s3cret@b/",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *m = endpoint_error(bad[i]);
        if (strstr(m, "s3cret"))
            fail_msg("password quoted for %s: %s", bad[i], m);
    }
    /* What is not a secret is still shown, so the user can find the typo. */
    const char *m = endpoint_error("ftp://user:s3cret@oms.example.com/");
    assert_non_null(strstr(m, "oms.example.com"));
    m = endpoint_error("https://user:s3cret@oms example.com/");
    assert_non_null(strstr(m, "***@oms example.com"));
}

static void test_endpoint_errors(void **state)
{
    (void)state;
    const char *m = endpoint_error("ftp://oms.example.com");
    assert_non_null(strstr(m, "unsupported scheme \"ftp\": use http or https"));
    m = endpoint_error("https://");
    assert_non_null(strstr(m, "no host"));
    assert_non_null(strstr(m, "\"https://\""));
    endpoint_error("https:///path");
    endpoint_error("https://:8080/");
    m = endpoint_error("https://user:s3cret@oms.example.com/");
    assert_string_equal(m, "credentials in the URL are not allowed; use --token or OMSLOG_TOKEN");
    assert_null(strstr(m, "s3cret"));
    m = endpoint_error("https://h:0");
    assert_non_null(strstr(m, "port"));
    endpoint_error("https://h:70000");
    endpoint_error("https://h:65536");
    endpoint_error("https://h:abc");
    endpoint_error("https://h:");
    endpoint_error("https://h:-1");
    endpoint_error("https://h:99999999999999999999999");
    m = endpoint_error("https://h/?page=2&token=abc");
    assert_non_null(strstr(m, "must not contain '?' or '#'"));
    assert_null(strstr(m, "token=abc"));
    endpoint_error("https://h/#frag");
    m = endpoint_error("");
    assert_non_null(strstr(m, "empty URL"));
    endpoint_error("oms.example.com");
    endpoint_error("//oms.example.com");
    endpoint_error("https://exa mple.com");
    endpoint_error("https://h/a b");
    endpoint_error("https://h/\t");
    endpoint_error("https://h\x7f");
    endpoint_error("https://h\xc3\xa7.com");
    endpoint_error("https://[::1");
    endpoint_error("https://[::1]x");
    endpoint_error("https://[not-ipv6]/");
    endpoint_error("https://[1:2:3:4:5:6:7:8:9]/");
    endpoint_error("https://ho%st/");
    assert_null(url_endpoint("https://", NULL)); /* a NULL err is allowed */
}

static void test_error_message_is_sanitised(void **state)
{
    (void)state;
    /* A control character is named as an escape; long input is cut. */
    const char *m = endpoint_error("https://h/\x1b]0;pwned\x07");
    assert_non_null(strstr(m, "\\x1b"));
    assert_null(strchr(m, '\x1b'));
    assert_null(strchr(m, '\x07'));
    char longurl[600] = "gopher://";
    memset(longurl + strlen(longurl), 'a', 500);
    longurl[509] = '\0';
    m = endpoint_error(longurl);
    assert_true(strlen(m) < 250);
    assert_non_null(strstr(m, "..."));
}

/* The base's own checks (the origin decision itself is http.c's and tested in
 * test_http.c). */
static void test_endpoint_host_forms(void **state)
{
    (void)state;
    /* An '@' after the authority is not userinfo. */
    assert_endpoint("https://example.com/a@b", "https://example.com/a@b" URL_API_PATH);
    assert_endpoint("https://h:1/", "https://h:1" URL_API_PATH);
    assert_endpoint("https://h:65535", "https://h:65535" URL_API_PATH);
    assert_endpoint("http://[::FFFF:127.0.0.1]", "http://[::ffff:127.0.0.1]" URL_API_PATH);
    enum { HOST_MAX = 256 }; /* the longest host name accepted, plus one */
    char host[HOST_MAX + 20] = "http://";
    memset(host + 7, 'a', HOST_MAX);
    host[7 + HOST_MAX] = '\0';
    assert_non_null(strstr(endpoint_error(host), "too long"));
    memset(host + 7 + HOST_MAX - 1, '\0', 1);
    char *ok = url_endpoint(host, NULL);
    assert_non_null(ok);
    free(ok);
}

static void test_page_urls(void **state)
{
    (void)state;
    char *u = url_page(EP, 1, 0, NULL, 0);
    assert_string_equal(u, EP "?page=1");
    free(u);
    u = url_page(EP, 12, 50, NULL, 0);
    assert_string_equal(u, EP "?page=12&page_size=50&limit=50");
    free(u);
    struct url_param extra[] = {
        {"app_name", "a&b c"},
        {"level__gte", "40"},
        {"search", "ü/=?#+%~._-"},
    };
    u = url_page(EP, 2, 0, extra, ARRAY_LEN(extra));
    assert_string_equal(u, EP "?page=2&app_name=a%26b%20c&level__gte=40"
                              "&search=%C3%BC%2F%3D%3F%23%2B%25~._-");
    /* What goes in comes back out. */
    char *v = url_query_get(u, "app_name");
    assert_string_equal(v, "a&b c");
    free(v);
    v = url_query_get(u, "search");
    assert_string_equal(v, "ü/=?#+%~._-");
    free(v);
    free(u);
    struct url_param odd_key[] = {{"a b", NULL}};
    u = url_page(EP "?x=1", 3, 0, odd_key, 1);
    assert_string_equal(u, EP "?x=1&page=3&a%20b=");
    free(u);
}

static void test_entry_urls(void **state)
{
    (void)state;
    char *u = url_entry(EP, 12345);
    assert_string_equal(u, EP "12345/");
    free(u);
    u = url_entry("http://h/api/v1/oms/logs/action_log", INT64_MAX);
    assert_string_equal(u, "http://h/api/v1/oms/logs/action_log/9223372036854775807/");
    free(u);
}

static void test_query_get(void **state)
{
    (void)state;
    const char *next = "http://h/api/v1/oms/logs/action_log/?page=3&page_size=50";
    char *v = url_query_get(next, "page");
    assert_string_equal(v, "3");
    free(v);
    v = url_query_get(next, "page_size");
    assert_string_equal(v, "50");
    free(v);
    assert_null(url_query_get(next, "pag"));
    assert_null(url_query_get(next, "size"));
    assert_null(url_query_get("http://h/api/?", "page"));
    assert_null(url_query_get("http://h/page=3", "page"));
    assert_null(url_query_get(NULL, "page"));
    assert_null(url_query_get("http://h/?page=1#page=2&x=1", "x"));
    v = url_query_get("http://h/?page=1#page=2", "page");
    assert_string_equal(v, "1");
    free(v);
    /* DRF's previous link for page 2 has no page parameter. */
    assert_null(url_query_get("http://h/api/v1/oms/logs/action_log/?page_size=50", "page"));
    v = url_query_get("http://h/?search=a+b%20c%2Bd&flag&empty=", "search");
    assert_string_equal(v, "a b c+d");
    free(v);
    v = url_query_get("http://h/?search=a&flag&empty=", "flag");
    assert_string_equal(v, "");
    free(v);
    v = url_query_get("http://h/?empty=&x=1", "empty");
    assert_string_equal(v, "");
    free(v);
    /* Malformed escapes and %00 stay literal rather than cutting the string. */
    v = url_query_get("http://h/?q=%zz%4%00x%", "q");
    assert_string_equal(v, "%zz%4%00x%");
    free(v);
    /* Encoded keys match their decoded form; the first occurrence wins. */
    v = url_query_get("http://h/?a%5Fb=1&a_b=2", "a_b");
    assert_string_equal(v, "1");
    free(v);
}

static void expect_redacted(const char *in, const char *want)
{
    struct buf b = {0};
    url_redact(&b, in, strlen(in));
    if (strcmp(buf_str(&b), want) != 0)
        fail_msg("url_redact(\"%s\") = \"%s\", wanted \"%s\"", in, buf_str(&b), want);
    buf_free(&b);
}

/* Every form a secret takes in a URL, inside the lines -v and errors print. */
static void test_redact_in_diagnostics(void **state)
{
    (void)state;
    /* userinfo */
    expect_redacted("omslog: url http://alice:hunter2pw@127.0.0.1:1/, token (none)",
                    "omslog: url http://***@127.0.0.1:1/, token (none)");
    expect_redacted("http://alice@h/", "http://***@h/");
    expect_redacted("u:pw@host://x", "***@host://x");
    expect_redacted("https://h/next=http://a:b@evil/", "https://h/next=http://***@evil/");
    /* query values, but omslog's own page parameters */
    expect_redacted("omslog: url http://h/?api_key=SECRETKEY1, token",
                    "omslog: url http://h/?api_key=***, token");
    expect_redacted("GET http://h/a/?page=2&page_size=100&limit=100 -> 200",
                    "GET http://h/a/?page=2&page_size=100&limit=100 -> 200");
    expect_redacted("http://h/?page=2&token=abc;sig=x&flag&empty=#frag=keep",
                    "http://h/?page=2&token=***;sig=***&flag&empty=#frag=keep");
    expect_redacted("http://u:p@h/?k=v", "http://***@h/?k=***");
    /* proxy settings as -v shows them */
    expect_redacted("omslog: proxy setting HTTPS_PROXY=http://user:pw@proxy:3128",
                    "omslog: proxy setting HTTPS_PROXY=http://***@proxy:3128");
    expect_redacted("all_proxy=socks5h://u:p@[::1]:1080\n",
                    "all_proxy=socks5h://***@[::1]:1080\n");
    /* quoted, and words that are not URLs */
    expect_redacted("redirect to \"http://x:y@h/?q=1\" refused",
                    "redirect to \"http://***@h/?q=***\" refused");
    expect_redacted("mail bob@example.com about ?a=b", "mail bob@example.com about ?a=b");
    expect_redacted("", "");
}

/* The list URL's query → the browser's filters, described as the header
 * shows them ("" for no filter), or the start of the error. */
static void assert_list_filter(const char *query, const char *want, const char *want_err)
{
    struct buf url = {0};
    buf_printf(&url, "https://oms.example.com/api/v1/oms/logs/action_log/%s", query);
    struct filter f;
    filter_init(&f);
    struct omslog_error err = {0};
    int rc = url_list_filter(buf_str(&url), &f, &err);
    if (want_err) {
        assert_int_equal(rc, OMSLOG_ERR_USAGE);
        if (strncmp(err.msg, want_err, strlen(want_err)) != 0)
            fail_msg("%s: error \"%s\", wanted \"%s...\"", query, err.msg, want_err);
    } else {
        if (rc != OMSLOG_OK)
            fail_msg("%s: %s", query, err.msg);
        struct buf d = {0};
        filter_describe(&f, &d);
        if (strcmp(buf_str(&d), want) != 0)
            fail_msg("%s: \"%s\", wanted \"%s\"", query, buf_str(&d), want);
        buf_free(&d);
    }
    filter_free(&f);
    buf_free(&url);
}

static void test_list_url_filters(void **state)
{
    (void)state;
    static const struct {
        const char *query, *want, *err;
    } cases[] = {
        {"", "", NULL},
        {"?page=3&page_size=50&limit=50&ordering=-id", "", NULL},
        {"?level=40", "level=ERROR", NULL},
        {"?level=error", "level=ERROR", NULL},
        {"?level__gte=30", "level>=WARNING", NULL},
        {"?level__gt=30", "level>=31", NULL},
        {"?level__in=40", "level=ERROR", NULL},
        {"?level__in=40,50", "level>=ERROR", NULL},
        {"?level__in=40%2C41%2C42%2C50", "level>=ERROR", NULL},
        {"?level__in=20,40", NULL, "the link's level__in=20,40: the browser filters one"},
        {"?level__in=", NULL, "the link's level__in=: not a list of levels"},
        {"?level=high", NULL, "the link's level=high: not a level"},
        {"?app_name=wms", "app=wms", NULL},
        {"?app_name__in=oms,payment&level__gte=40", "level>=ERROR app=oms,payment", NULL},
        {"?app_name=", NULL, "the link's app_name=: empty"},
        /* search is DRF's case-insensitive substring: a literal pattern. */
        {"?search=time+out%21", "&\"time out!\"", NULL},
        {"?search=a.b&app_name=oms", "app=oms &\"a.b\"", NULL},
        {"?search=", "", NULL},
        {"?created_at__gte=2023-12-02T10:00:00Z&created_at__lte=2023-12-02T11:00:00%2B01:00",
         "created>=2023-12-02 10:00:00Z created<=2023-12-02 10:00:00Z", NULL},
        {"?created_at__gt=2023-12-02T10:00:00Z", "created>=2023-12-02 10:00:00.000001Z", NULL},
        {"?created_at__lt=2023-12-02T10:00:00Z", "created<=2023-12-02 09:59:59.999999Z", NULL},
        {"?created_at__gte=yesterday", NULL, "the link's created_at__gte=yesterday: not an ISO"},
        {"?level=40&&#frag", "level=ERROR", NULL},
        {"?ordering=id", NULL, "the link's parameter \"ordering\" has no browser filter"},
        {"?level__lte=40", NULL, "the link's parameter \"level__lte\" has no browser filter"},
        {"?logger_name=x", NULL, "the link's parameter \"logger_name\" has no"},
        /* A hostile key is quoted as printable ASCII. */
        {"?%1B%5D0%3Bx=1", NULL, "the link's parameter \"\\x1b]0;x\" has no"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_list_filter(cases[i].query, cases[i].want, cases[i].err);
}

static void test_query_next(void **state)
{
    (void)state;
    const char *url = "https://h/p/?a=1&b&&c=x%20y#d=2";
    const char *pos = NULL;
    char *k, *v;
    const char *want[][2] = {{"a", "1"}, {"b", ""}, {"c", "x y"}};
    for (size_t i = 0; i < 3; i++) {
        assert_true(url_query_next(url, &pos, &k, &v));
        assert_string_equal(k, want[i][0]);
        assert_string_equal(v, want[i][1]);
        free(k);
        free(v);
    }
    assert_false(url_query_next(url, &pos, &k, &v));
    pos = NULL;
    assert_false(url_query_next("https://h/p/", &pos, &k, &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endpoint_forms),
        cmocka_unit_test(test_endpoint_prefix_and_ports),
        cmocka_unit_test(test_endpoint_api_path_typo),
        cmocka_unit_test(test_endpoint_errors),
        cmocka_unit_test(test_errors_never_quote_credentials),
        cmocka_unit_test(test_error_message_is_sanitised),
        cmocka_unit_test(test_endpoint_host_forms),
        cmocka_unit_test(test_page_urls),
        cmocka_unit_test(test_entry_urls),
        cmocka_unit_test(test_query_get),
        cmocka_unit_test(test_redact_in_diagnostics),
        cmocka_unit_test(test_list_url_filters),
        cmocka_unit_test(test_query_next),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
