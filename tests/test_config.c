/* test_config.c — config file, environment, flags, permissions, token files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the headers above first. */
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "omslog/buf.h"
#include "omslog/config.h"

#include "test_support.h"
#include "omslog/util.h"

#define TEST_TOKEN "0123456789abcdef0123456789abcdef01234567"
#define TEST_LINE_MAX 8192

static char tmpdir[64];

/* Path inside the per-run temp dir; returned buffer is static per call slot. */
static const char *tpath(const char *name)
{
    static char paths[8][256];
    static unsigned slot;
    char *p = paths[slot++ % ARRAY_LEN(paths)];
    snprintf(p, sizeof paths[0], "%s/%s", tmpdir, name);
    return p;
}

/* Write a file with exactly `mode` (fchmod, so the umask does not interfere). */
static const char *write_file_n(const char *name, const char *text, size_t len, mode_t mode)
{
    const char *path = tpath(name);
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
    return path;
}

static const char *write_file(const char *name, const char *text, mode_t mode)
{
    return write_file_n(name, text, strlen(text), mode);
}

static int setup_dir(void **state)
{
    (void)state;
    return test_tmpdir(tmpdir, sizeof tmpdir, "test-config");
}

static int teardown_dir(void **state)
{
    (void)state;
    return test_rmtree(tmpdir);
}

/* A fake environment for config_apply_env. */
static const char *fake_env[16][2];

static const char *fake_getenv(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(fake_env) && fake_env[i][0]; i++)
        if (strcmp(fake_env[i][0], name) == 0)
            return fake_env[i][1];
    return NULL;
}

static void fake_env_set(size_t n, const char *const pairs[][2])
{
    memset(fake_env, 0, sizeof fake_env);
    for (size_t i = 0; i < n; i++) {
        fake_env[i][0] = pairs[i][0];
        fake_env[i][1] = pairs[i][1];
    }
}

/* Load text as a 0600 config file; returns the status, fills err. */
static int load_text(struct config *c, const char *text, struct omslog_error *err)
{
    const char *path = write_file("config", text, 0600);
    error_clear(err);
    return config_load_file(c, path, true, err);
}

static void test_defaults(void **state)
{
    (void)state;
    struct config c;
    memset(&c, 0xff, sizeof c);
    config_defaults(&c);
    assert_null(c.url);
    assert_null(c.token);
    assert_null(c.token_source);
    /* Larger pages are asked for unless configured otherwise. */
    assert_int_equal(c.page_size, CONFIG_DEFAULT_PAGE_SIZE);
    assert_true(CONFIG_DEFAULT_PAGE_SIZE > 0);
    assert_int_equal(c.timeout_s, CONFIG_DEFAULT_TIMEOUT_S);
    assert_int_equal(c.connect_timeout_s, CONFIG_DEFAULT_CONNECT_TIMEOUT_S);
    assert_int_equal(c.low_speed_time_s, CONFIG_DEFAULT_LOW_SPEED_TIME_S);
    assert_int_equal(c.retries, CONFIG_DEFAULT_RETRIES);
    assert_int_equal(c.cache_pages, CONFIG_DEFAULT_CACHE_PAGES);
    assert_int_equal(c.cache_bytes, CONFIG_DEFAULT_CACHE_BYTES);
    assert_int_equal(c.follow_s, CONFIG_DEFAULT_FOLLOW_S);
    assert_int_equal(c.parallel, CONFIG_DEFAULT_PARALLEL);
    assert_false(c.insecure);
    assert_false(c.utc);
    assert_false(c.no_color);
    assert_int_equal(c.verbose, 0);
    config_free(&c);
    config_free(&c); /* idempotent */
    config_free(NULL);
}

static void test_precedence_file_env_flags(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err = {0};
    config_defaults(&c);
    assert_int_equal(load_text(&c,
                               "# omslog\n"
                               "url = https://file.example\n"
                               "token = filetoken-0123456789\n"
                               "page_size = 100\n"
                               "timeout = 30\n"
                               "retries = 2\n"
                               "utc = yes\n",
                               &err),
                     OMSLOG_OK);
    assert_string_equal(c.url, "https://file.example");
    assert_string_equal(c.token, "filetoken-0123456789");
    assert_non_null(strstr(c.token_source, "config line 3"));

    const char *env[][2] = {{"OMSLOG_URL", "https://env.example"},
                            {"OMSLOG_TOKEN", "envtoken-0123456789"}};
    fake_env_set(ARRAY_LEN(env), env);
    assert_int_equal(config_apply_env(&c, fake_getenv, &err), OMSLOG_OK);
    assert_string_equal(c.url, "https://env.example");
    assert_string_equal(c.token, "envtoken-0123456789");
    assert_string_equal(c.token_source, "OMSLOG_TOKEN");

    assert_int_equal(config_set(&c, "url", "https://flag.example", "--url", &err), OMSLOG_OK);
    assert_int_equal(config_set(&c, "page_size", "200", "--page-size", &err), OMSLOG_OK);
    assert_int_equal(config_set(&c, "token", "flagtoken-0123456789", "--token", &err), OMSLOG_OK);
    assert_string_equal(c.url, "https://flag.example");
    assert_string_equal(c.token, "flagtoken-0123456789");
    assert_string_equal(c.token_source, "--token");
    assert_int_equal(c.page_size, 200);
    /* Values nobody overrode keep the file's. */
    assert_int_equal(c.timeout_s, 30);
    assert_int_equal(c.retries, 2);
    assert_true(c.utc);
    assert_int_equal(c.parallel, CONFIG_DEFAULT_PARALLEL);
    config_free(&c);
}

static void test_env_empty_is_unset(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err = {0};
    config_defaults(&c);
    assert_int_equal(config_set(&c, "token", "filetoken-0123456789", "cfg", &err), OMSLOG_OK);
    assert_int_equal(config_set(&c, "url", "https://file.example", "cfg", &err), OMSLOG_OK);
    const char *env[][2] = {{"OMSLOG_TOKEN", ""}, {"OMSLOG_URL", ""}, {"NO_COLOR", ""}};
    fake_env_set(ARRAY_LEN(env), env);
    assert_int_equal(config_apply_env(&c, fake_getenv, &err), OMSLOG_OK);
    assert_string_equal(c.token, "filetoken-0123456789");
    assert_string_equal(c.url, "https://file.example");
    assert_false(c.no_color);
    config_free(&c);
}

static void test_env_no_color_and_token_file(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err = {0};
    const char *tf = write_file("envtoken", "tokenfromfile-123456\n", 0600);
    config_defaults(&c);
    const char *env[][2] = {{"NO_COLOR", "1"}, {"OMSLOG_TOKEN_FILE", tf}};
    fake_env_set(ARRAY_LEN(env), env);
    assert_int_equal(config_apply_env(&c, fake_getenv, &err), OMSLOG_OK);
    assert_true(c.no_color);
    assert_string_equal(c.token, "tokenfromfile-123456");
    assert_string_equal(c.token_source, tf);

    /* Both given: OMSLOG_TOKEN is the more direct and wins. */
    const char *both[][2] = {{"OMSLOG_TOKEN_FILE", tf}, {"OMSLOG_TOKEN", "direct-0123456789"}};
    fake_env_set(ARRAY_LEN(both), both);
    assert_int_equal(config_apply_env(&c, fake_getenv, &err), OMSLOG_OK);
    assert_string_equal(c.token, "direct-0123456789");
    assert_string_equal(c.token_source, "OMSLOG_TOKEN");

    /* A bad token file in the environment is an error naming the variable's file. */
    const char *open_tf = write_file("envtoken-open", "tok-0123456789\n", 0644);
    const char *bad[][2] = {{"OMSLOG_TOKEN_FILE", open_tf}};
    fake_env_set(ARRAY_LEN(bad), bad);
    assert_int_equal(config_apply_env(&c, fake_getenv, &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, open_tf));
    assert_string_equal(c.token, "direct-0123456789");
    config_free(&c);
}

static void test_env_real_getenv(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err = {0};
    config_defaults(&c);
    setenv("OMSLOG_URL", "https://real-env.example", 1);
    setenv("NO_COLOR", "yes", 1);
    unsetenv("OMSLOG_TOKEN");
    unsetenv("OMSLOG_TOKEN_FILE");
    assert_int_equal(config_apply_env(&c, NULL, &err), OMSLOG_OK);
    assert_string_equal(c.url, "https://real-env.example");
    assert_true(c.no_color);
    assert_null(c.token);
    unsetenv("OMSLOG_URL");
    unsetenv("NO_COLOR");
    config_free(&c);
}

static void expect_permission_refused(const char *name, mode_t mode, const char *how)
{
    struct config c;
    struct omslog_error err = {0};
    config_defaults(&c);
    const char *path = write_file(name, "url = https://h\n", mode);
    assert_int_equal(config_load_file(&c, path, false, &err), OMSLOG_ERR_CONFIG);
    assert_int_equal(err.status, OMSLOG_ERR_CONFIG);
    char want[512];
    snprintf(want, sizeof want, "config file %s is %s by others (mode %04o); run: chmod 600 %s",
             path, how, (unsigned)mode, path);
    assert_string_equal(err.msg, want);
    assert_null(c.url); /* nothing was read from it */
    config_free(&c);
}

static void test_permissions(void **state)
{
    (void)state;
    expect_permission_refused("c644", 0644, "readable");
    expect_permission_refused("c640", 0640, "readable");
    expect_permission_refused("c604", 0604, "readable");
    expect_permission_refused("c620", 0620, "writable");
    expect_permission_refused("c602", 0602, "writable");
    expect_permission_refused("c610", 0610, "accessible");

    const mode_t ok[] = {0600, 0400};
    for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
        struct config c;
        struct omslog_error err = {0};
        config_defaults(&c);
        const char *path = write_file("cok", "url = https://h\n", ok[i]);
        assert_int_equal(config_load_file(&c, path, true, &err), OMSLOG_OK);
        assert_string_equal(c.url, "https://h");
        config_free(&c);
    }
}

static void test_missing_and_not_regular(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err = {0};
    config_defaults(&c);
    const char *missing = tpath("does-not-exist");
    assert_int_equal(config_load_file(&c, missing, false, &err), OMSLOG_OK);
    assert_int_equal(config_load_file(&c, tpath("no-dir/config"), false, &err), OMSLOG_OK);
    assert_int_equal(config_load_file(&c, missing, true, &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, missing));
    assert_non_null(strstr(err.msg, "No such file"));

    /* A directory, or a FIFO (which must not block the open), is refused. */
    assert_int_equal(config_load_file(&c, tmpdir, false, &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "is not a regular file"));
    const char *fifo = tpath("fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(config_load_file(&c, fifo, false, &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "is not a regular file"));
    char *tok = NULL;
    assert_int_equal(config_read_token_file(fifo, &tok, &err), OMSLOG_ERR_CONFIG);
    assert_null(tok);
    unlink(fifo);

    /* A symlink to a private file is fine: the target is what gets checked. */
    const char *target = write_file("real-config", "utc = on\n", 0600);
    const char *link = tpath("link-config");
    unlink(link);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(config_load_file(&c, link, true, &err), OMSLOG_OK);
    assert_true(c.utc);
    assert_int_equal(chmod(target, 0644), 0);
    assert_int_equal(config_load_file(&c, link, true, &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "mode 0644"));
    config_free(&c);
}

static void test_syntax(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err = {0};
    config_defaults(&c);
    assert_int_equal(load_text(&c,
                               "\n"
                               "   # indented comment = ignored\n"
                               "\turl\t=\t\"https://quoted.example/a b\"  \r\n"
                               "token='tok#with#hash-0123'\n"
                               "  page_size=7\n"
                               "color = false\n"
                               "insecure = TRUE",
                               &err),
                     OMSLOG_OK);
    assert_string_equal(c.url, "https://quoted.example/a b");
    assert_string_equal(c.token, "tok#with#hash-0123");
    assert_int_equal(c.page_size, 7);
    assert_true(c.no_color);
    assert_true(c.insecure); /* last line without newline still counts */

    /* Quotes keep inner whitespace; unquoted '#' is part of the value. */
    assert_int_equal(load_text(&c, "url = ' https://h '\n", &err), OMSLOG_OK);
    assert_string_equal(c.url, " https://h ");
    assert_int_equal(load_text(&c, "url = https://h/#x\n", &err), OMSLOG_OK);
    assert_string_equal(c.url, "https://h/#x");
    /* The last assignment of a key wins. */
    assert_int_equal(load_text(&c, "retries = 1\nretries = 3\n", &err), OMSLOG_OK);
    assert_int_equal(c.retries, 3);
    config_free(&c);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err = {0};
    config_defaults(&c);
    const char *path = tpath("config");
    char want[512];

    assert_int_equal(load_text(&c, "# c\nurl = https://h\n\ncolour = red\n", &err),
                     OMSLOG_ERR_CONFIG);
    snprintf(want, sizeof want, "config %s line 4: unknown key \"colour\"", path);
    assert_string_equal(err.msg, want);

    assert_int_equal(load_text(&c, "url https://h\n", &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "line 1: expected \"key = value\""));
    assert_int_equal(load_text(&c, "\n = x\n", &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "line 2: missing key"));
    assert_int_equal(load_text(&c, "url = \"https://h\n", &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "line 1: unterminated quote"));
    assert_int_equal(load_text(&c, "url = \"https://h'\n", &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "unterminated quote"));
    assert_int_equal(load_text(&c, "url = \"\n", &err), OMSLOG_ERR_CONFIG);
    assert_int_equal(load_text(&c, "url = \"\"\n", &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "url: empty value"));
    assert_int_equal(load_text(&c, "url =\n", &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "line 1"));

    /* Bad values name the key, the value, the range and the file and line. */
    assert_int_equal(load_text(&c, "\n\npage_size = abc\n", &err), OMSLOG_ERR_CONFIG);
    snprintf(want, sizeof want,
             "page_size: \"abc\" is not a number between 0 and 10000 (from %s line 3)", path);
    assert_string_equal(err.msg, want);

    /* Unknown key text is sanitised in the message. */
    assert_int_equal(load_text(&c, "col\x1bour = 1\n", &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "col\\x1bour"));
    assert_null(strchr(err.msg, '\x1b'));

    /* NUL bytes mean this is not a text file. */
    const char nul[] = "url = a\0b\n";
    const char *p = write_file_n("config-nul", nul, sizeof nul - 1, 0600);
    assert_int_equal(config_load_file(&c, p, true, &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "NUL"));
    config_free(&c);
}

static void test_line_length(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err = {0};
    config_defaults(&c);
    struct buf b = {0};
    const char *prefix = "url = https://h/";
    buf_appends(&b, prefix);
    for (size_t i = strlen(prefix); i < TEST_LINE_MAX; i++)
        buf_putc(&b, 'a');
    buf_putc(&b, '\n');
    assert_int_equal(load_text(&c, buf_str(&b), &err), OMSLOG_OK);
    assert_int_equal(strlen(c.url), TEST_LINE_MAX - strlen("url = "));

    buf_reset(&b);
    buf_appends(&b, "# fine\n");
    buf_appends(&b, prefix);
    for (size_t i = strlen(prefix); i <= TEST_LINE_MAX; i++)
        buf_putc(&b, 'a');
    assert_int_equal(load_text(&c, buf_str(&b), &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "line 2: line longer than 8192 bytes"));
    buf_free(&b);
    config_free(&c);
}

struct bad_value {
    const char *key, *value, *expect;
};

static void test_bad_values(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err = {0};
    config_defaults(&c);
    const struct bad_value bad[] = {
        {"page_size", "-1", "between 0 and 10000"},
        {"page_size", "10001", "between 0 and 10000"},
        {"page_size", " 5", "between 0 and 10000"},
        {"page_size", "5x", "between 0 and 10000"},
        {"page_size", "", "between 0 and 10000"},
        {"page_size", "99999999999999999999", "between 0 and 10000"},
        {"timeout", "0", "between 1 and 86400"},
        {"timeout", "86401", "between 1 and 86400"},
        {"connect_timeout", "0", "between 1 and 86400"},
        {"low_speed_time", "-1", "between 0 and 86400"},
        {"retries", "21", "between 0 and 20"},
        {"cache_pages", "1", "between 2 and 100000"},
        {"cache_pages", "100001", "between 2 and 100000"},
        {"cache_bytes", "1048575", "cache_bytes: \"1048575\" is not a number between 1048576"},
        {"cache_bytes", "64M", "between 1048576 and 1099511627776"},
        {"cache_bytes", "1099511627777", "between 1048576 and 1099511627776"},
        {"follow", "0", "between 1 and 86400"},
        {"parallel", "0", "between 1 and 64"},
        {"parallel", "65", "between 1 and 64"},
        {"verbose", "4", "between 0 and 3"},
        {"insecure", "maybe", "\"maybe\" is not a boolean"},
        {"utc", "", "is not a boolean"},
        {"color", "2", "is not a boolean"},
        {"url", "", "url: empty value"},
        {"token_file", "", "token_file: empty value"},
        {"colour", "1", "unknown key \"colour\""},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        error_clear(&err);
        int rc = config_set(&c, bad[i].key, bad[i].value, "--flag", &err);
        if (rc != OMSLOG_ERR_CONFIG || !strstr(err.msg, bad[i].expect) ||
            !strstr(err.msg, "(from --flag)"))
            fail_msg("%s=%s: rc %d, \"%s\"", bad[i].key, bad[i].value, rc, err.msg);
    }
    /* Nothing changed. */
    assert_int_equal(c.page_size, CONFIG_DEFAULT_PAGE_SIZE);
    assert_int_equal(c.timeout_s, CONFIG_DEFAULT_TIMEOUT_S);
    assert_false(c.insecure);
    assert_null(c.url);
    config_free(&c);
}

/* page_size = 0 / --page-size 0 turns the default ask off: the server's own
 * page size, no page_size parameter at all. */
static void test_page_size_zero_is_the_servers_default(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err = {0};
    config_defaults(&c);
    assert_int_equal(load_text(&c, "page_size = 0\n", &err), OMSLOG_OK);
    assert_int_equal(c.page_size, 0);
    assert_int_equal(config_set(&c, "page_size", "25", "--page-size", &err), OMSLOG_OK);
    assert_int_equal(c.page_size, 25);
    assert_int_equal(config_set(&c, "page_size", "0", "--page-size", &err), OMSLOG_OK);
    assert_int_equal(c.page_size, 0);
    config_free(&c);
}

static void test_good_values(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err = {0};
    config_defaults(&c);
    const char *good[][2] = {
        {"page_size", "10000"},   {"timeout", "86400"},
        {"connect_timeout", "1"}, {"low_speed_time", "0"},
        {"retries", "20"},        {"cache_pages", "2"},
        {"follow", "1"},          {"parallel", "64"},
        {"verbose", "3"},         {"cache_bytes", "1048576"},
    };
    for (size_t i = 0; i < ARRAY_LEN(good); i++)
        if (config_set(&c, good[i][0], good[i][1], "t", &err) != OMSLOG_OK)
            fail_msg("%s=%s refused: %s", good[i][0], good[i][1], err.msg);
    assert_int_equal(c.page_size, 10000);
    assert_int_equal(c.timeout_s, 86400);
    assert_int_equal(c.connect_timeout_s, 1);
    assert_int_equal(c.low_speed_time_s, 0);
    assert_int_equal(c.retries, 20);
    assert_int_equal(c.cache_pages, 2);
    assert_int_equal(c.cache_bytes, 1048576);
    assert_int_equal(c.follow_s, 1);
    assert_int_equal(c.parallel, 64);
    assert_int_equal(c.verbose, 3);

    const char *truthy[] = {"true", "yes", "on", "1", "TRUE", "Yes", "ON"};
    const char *falsy[] = {"false", "no", "off", "0", "False", "NO", "Off"};
    for (size_t i = 0; i < ARRAY_LEN(truthy); i++) {
        assert_int_equal(config_set(&c, "insecure", truthy[i], "t", &err), OMSLOG_OK);
        assert_true(c.insecure);
        assert_int_equal(config_set(&c, "color", truthy[i], "t", &err), OMSLOG_OK);
        assert_false(c.no_color);
        assert_int_equal(config_set(&c, "insecure", falsy[i], "t", &err), OMSLOG_OK);
        assert_false(c.insecure);
        assert_int_equal(config_set(&c, "color", falsy[i], "t", &err), OMSLOG_OK);
        assert_true(c.no_color);
    }
    assert_int_equal(config_set(&c, "utc", "on", "t", &err), OMSLOG_OK);
    assert_true(c.utc);
    /* Overwriting strings frees the old ones (ASan checks the leak). */
    assert_int_equal(config_set(&c, "url", "https://a", "t", &err), OMSLOG_OK);
    assert_int_equal(config_set(&c, "url", "https://b", "t", &err), OMSLOG_OK);
    assert_string_equal(c.url, "https://b");
    config_free(&c);
}

static void test_bad_token_never_echoed(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err = {0};
    config_defaults(&c);
    assert_int_equal(config_set(&c, "token", "secret part2", "--token", &err), OMSLOG_ERR_CONFIG);
    assert_null(strstr(err.msg, "secret"));
    assert_non_null(strstr(err.msg, "(from --token)"));
    assert_null(c.token);
    assert_null(c.token_source);
    assert_int_equal(config_set(&c, "token", "tok\x1b[2J", "--token", &err), OMSLOG_ERR_CONFIG);
    assert_int_equal(config_set(&c, "token", "", "--token", &err), OMSLOG_ERR_CONFIG);
    char big[CONFIG_TOKEN_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(config_set(&c, "token", big, "--token", &err), OMSLOG_ERR_CONFIG);
    big[CONFIG_TOKEN_MAX] = '\0';
    assert_int_equal(config_set(&c, "token", big, "--token", &err), OMSLOG_OK);
    assert_int_equal(strlen(c.token), CONFIG_TOKEN_MAX);
    config_free(&c);
}

static void test_token_file(void **state)
{
    (void)state;
    struct omslog_error err = {0};
    char *tok = NULL;
    const char *p = write_file("tok1", " \t" TEST_TOKEN "\r\n\n", 0600);
    assert_int_equal(config_read_token_file(p, &tok, &err), OMSLOG_OK);
    assert_string_equal(tok, TEST_TOKEN);
    free(tok);
    tok = NULL;
    p = write_file("tok2", "abc", 0400);
    assert_int_equal(config_read_token_file(p, &tok, &err), OMSLOG_OK);
    assert_string_equal(tok, "abc");
    free(tok);
    tok = NULL;

    p = write_file("tok3", "  \n\n", 0600);
    assert_int_equal(config_read_token_file(p, &tok, &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "is empty"));
    p = write_file("tok4", "", 0600);
    assert_int_equal(config_read_token_file(p, &tok, &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "is empty"));

    char want[512];
    const char *bins[][2] = {{"tok5", "two words\n"},
                             {"tok6", "line1\nline2\n"},
                             {"tok7", "tok\x01\x02"},
                             {"tok8", "t\xc3\xb6ken"}};
    for (size_t i = 0; i < ARRAY_LEN(bins); i++) {
        p = write_file(bins[i][0], bins[i][1], 0600);
        assert_int_equal(config_read_token_file(p, &tok, &err), OMSLOG_ERR_CONFIG);
        snprintf(want, sizeof want,
                 "token file %s does not hold a token "
                 "(expected one line of printable characters)",
                 p);
        assert_string_equal(err.msg, want);
    }
    const char nul[] = "abc\0def";
    p = write_file_n("tok9", nul, sizeof nul - 1, 0600);
    assert_int_equal(config_read_token_file(p, &tok, &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "does not hold a token"));

    struct buf big = {0};
    for (size_t i = 0; i < 3 * CONFIG_TOKEN_MAX; i++)
        buf_putc(&big, 'x');
    p = write_file("tok10", buf_str(&big), 0600);
    assert_int_equal(config_read_token_file(p, &tok, &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "too large"));
    buf_free(&big);
    assert_null(tok);

    p = write_file("tok11", TEST_TOKEN "\n", 0640);
    assert_int_equal(config_read_token_file(p, &tok, &err), OMSLOG_ERR_CONFIG);
    snprintf(want, sizeof want,
             "token file %s is readable by others (mode 0640); run: chmod 600 %s", p, p);
    assert_string_equal(err.msg, want);
    assert_null(strstr(err.msg, TEST_TOKEN));
    assert_int_equal(config_read_token_file(tpath("no-token"), &tok, &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "No such file"));
    assert_null(tok);
}

static void test_token_file_key(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err = {0};
    config_defaults(&c);
    /* Relative token_file paths in a config file are relative to that file. */
    write_file("rel-token", "relative-token-0123\n", 0600);
    assert_int_equal(load_text(&c, "token_file = rel-token\n", &err), OMSLOG_OK);
    assert_string_equal(c.token, "relative-token-0123");
    assert_string_equal(c.token_source, tpath("rel-token"));

    /* "~/" expands to $HOME. */
    char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
    setenv("HOME", tmpdir, 1);
    write_file("home-token", "home-token-0123456\n", 0600);
    assert_int_equal(config_set(&c, "token_file", "~/home-token", "--token-file", &err),
                     OMSLOG_OK);
    assert_string_equal(c.token, "home-token-0123456");
    assert_string_equal(c.token_source, tpath("home-token"));
    unsetenv("HOME");
    assert_int_equal(config_set(&c, "token_file", "~/home-token", "--token-file", &err),
                     OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "HOME is not set"));
    if (old_home)
        setenv("HOME", old_home, 1);
    free(old_home);

    /* A failing token_file keeps the previous token. */
    const char *open_tf = write_file("open-token", "x-0123456789\n", 0604);
    assert_int_equal(config_set(&c, "token_file", open_tf, "--token-file", &err),
                     OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "mode 0604"));
    assert_string_equal(c.token, "home-token-0123456");

    /* A bad token_file in a config file is an error too. */
    assert_int_equal(load_text(&c, "\ntoken_file = missing-token\n", &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "missing-token"));
    config_free(&c);
}

static void test_default_path(void **state)
{
    (void)state;
    char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
    char *old_xdg = getenv("XDG_CONFIG_HOME") ? xstrdup(getenv("XDG_CONFIG_HOME")) : NULL;

    setenv("XDG_CONFIG_HOME", "/x/cfg", 1);
    setenv("HOME", "/home/u", 1);
    char *p = config_default_path();
    assert_string_equal(p, "/x/cfg/omslog/config");
    free(p);
    unsetenv("XDG_CONFIG_HOME");
    p = config_default_path();
    assert_string_equal(p, "/home/u/.config/omslog/config");
    free(p);
    setenv("XDG_CONFIG_HOME", "", 1);
    p = config_default_path();
    assert_string_equal(p, "/home/u/.config/omslog/config");
    free(p);
    setenv("XDG_CONFIG_HOME", "relative/dir", 1); /* invalid per the XDG spec */
    p = config_default_path();
    assert_string_equal(p, "/home/u/.config/omslog/config");
    free(p);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("HOME");
    assert_null(config_default_path());

    if (old_home)
        setenv("HOME", old_home, 1);
    if (old_xdg)
        setenv("XDG_CONFIG_HOME", old_xdg, 1);
    free(old_home);
    free(old_xdg);
}

/* ca_file, cert_file, key_file: readable now, "~/" and config-relative paths
 * resolved, a key file private like a token file. */
static void test_tls_files(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err = {0};
    config_defaults(&c);
    const char *ca = write_file("ca.pem", "-----BEGIN CERTIFICATE-----\n", 0644);
    assert_int_equal(config_set(&c, "ca_file", ca, "--cacert", &err), OMSLOG_OK);
    assert_string_equal(c.ca_file, ca);
    assert_int_equal(config_set(&c, "cert_file", ca, "--cert", &err), OMSLOG_OK);
    assert_int_equal(config_set(&c, "ca_file", tpath("nope.pem"), "--cacert", &err),
                     OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "ca_file "));
    assert_non_null(strstr(err.msg, "nope.pem"));
    assert_string_equal(c.ca_file, ca); /* a failed set changes nothing */

    const char *key = write_file("client.key", "-----BEGIN PRIVATE KEY-----\n", 0600);
    assert_int_equal(config_set(&c, "key_file", key, "--key", &err), OMSLOG_OK);
    assert_string_equal(c.key_file, key);
    key = write_file("open.key", "k\n", 0644);
    assert_int_equal(config_set(&c, "key_file", key, "--key", &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "key file"));
    assert_non_null(strstr(err.msg, "chmod 600"));

    /* Relative to the config file's directory, as token_file. */
    write_file("rel-ca.pem", "x", 0644);
    assert_int_equal(load_text(&c, "ca_file = rel-ca.pem\n", &err), OMSLOG_OK);
    assert_string_equal(c.ca_file, tpath("rel-ca.pem"));
    assert_int_equal(load_text(&c, "ca_file = \"\"\n", &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "is not a regular file")); /* the directory */
    assert_int_equal(config_set(&c, "ca_file", "", "--cacert", &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "empty value"));
    config_free(&c);
}

/* curl's order: CURL_CA_BUNDLE, else SSL_CERT_DIR and SSL_CERT_FILE; a
 * ca_file from any source wins over all of them. */
static void test_tls_env(void **state)
{
    (void)state;
    struct config c;
    config_defaults(&c);
    const char *const all[][2] = {
        {"CURL_CA_BUNDLE", "/b.pem"}, {"SSL_CERT_FILE", "/f.pem"}, {"SSL_CERT_DIR", "/d"}};
    fake_env_set(3, all);
    assert_int_equal(config_apply_tls_env(&c, fake_getenv), OMSLOG_OK);
    assert_string_equal(c.ca_file, "/b.pem");
    assert_null(c.ca_path);
    config_free(&c);

    config_defaults(&c);
    fake_env_set(2, all + 1);
    config_apply_tls_env(&c, fake_getenv);
    assert_string_equal(c.ca_file, "/f.pem");
    assert_string_equal(c.ca_path, "/d");
    config_free(&c);

    config_defaults(&c);
    struct omslog_error err = {0};
    const char *ca = write_file("mine.pem", "x", 0644);
    assert_int_equal(config_set(&c, "ca_file", ca, "--cacert", &err), OMSLOG_OK);
    fake_env_set(3, all);
    config_apply_tls_env(&c, fake_getenv);
    assert_string_equal(c.ca_file, ca);
    assert_null(c.ca_path);
    config_free(&c);

    const char *const empty[][2] = {{"CURL_CA_BUNDLE", ""}, {"SSL_CERT_FILE", "/f.pem"}};
    config_defaults(&c);
    fake_env_set(2, empty);
    config_apply_tls_env(&c, fake_getenv);
    assert_string_equal(c.ca_file, "/f.pem");
    config_free(&c);
}

static void test_mask(void **state)
{
    (void)state;
    char out[64];
    config_mask_token(NULL, out, sizeof out);
    assert_string_equal(out, "(none)");
    config_mask_token(TEST_TOKEN, out, sizeof out);
    assert_string_equal(out, "0123\xe2\x80\xa6(40 chars)");
    assert_null(strstr(out, TEST_TOKEN));
    assert_null(strstr(out, "01234"));
    config_mask_token("abcdefgh", out, sizeof out);
    assert_string_equal(out, "\xe2\x80\xa6(8 chars)");
    config_mask_token("abcdefghijk", out, sizeof out);
    assert_string_equal(out, "\xe2\x80\xa6(11 chars)");
    config_mask_token("abcdefghijkl", out, sizeof out);
    assert_string_equal(out, "abcd\xe2\x80\xa6(12 chars)");
    config_mask_token("", out, sizeof out);
    assert_string_equal(out, "\xe2\x80\xa6(0 chars)");
    char tiny[3];
    config_mask_token(TEST_TOKEN, tiny, sizeof tiny);
    assert_string_equal(tiny, "01");
    config_mask_token(TEST_TOKEN, out, 0); /* must not write */
}

/* max_response takes bytes or K/M/G (x1024) within 64K..1G; retry_budget
 * seconds. Bad values say what was expected and change nothing. */
static void test_max_response_and_retry_budget(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err = {0};
    config_defaults(&c);
    assert_int_equal(c.max_response, 32L * 1024 * 1024);
    assert_int_equal(c.retry_budget_s, 60);
    static const struct {
        const char *value;
        long bytes;
    } good[] = {{"32M", 32L << 20}, {"512k", 512L << 10}, {"1G", 1L << 30},
                {"65536", 65536},   {"64K", 64L << 10},   {"1048576", 1L << 20}};
    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        assert_int_equal(config_set(&c, "max_response", good[i].value, "t", &err), OMSLOG_OK);
        assert_int_equal(c.max_response, good[i].bytes);
    }
    static const char *const bad[] = {"",
                                      "M",
                                      "12X",
                                      "32MB",
                                      "-1M",
                                      "2G",
                                      "1025M",
                                      "63K",
                                      "65535",
                                      " 32M",
                                      "99999999999999999999K"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        error_clear(&err);
        int rc = config_set(&c, "max_response", bad[i], "--max-response", &err);
        if (rc != OMSLOG_ERR_CONFIG || !strstr(err.msg, "is not a size between 64K and 1G") ||
            !strstr(err.msg, "(from --max-response)"))
            fail_msg("max_response=%s: rc %d, \"%s\"", bad[i], rc, err.msg);
    }
    assert_int_equal(c.max_response, 1L << 20);
    assert_int_equal(config_set(&c, "retry_budget", "5", "t", &err), OMSLOG_OK);
    assert_int_equal(c.retry_budget_s, 5);
    assert_int_equal(config_set(&c, "retry_budget", "0", "t", &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "between 1 and 86400"));
    config_free(&c);
}

/* The config file of the profile tests: a top-level server, a profile on the
 * same origin (uses the top-level token), one with its own token file, a
 * production one without a token and one with a token but no url. */
static const char *profile_config(void)
{
    write_file("cust.token", "custtoken-0123456789\n", 0600);
    write_file("leaky.token", "leakytoken-0123456789\n", 0644);
    return "url = https://top.example\n"
           "token = toptoken-0123456789\n"
           "default_profile = staging\n"
           "[profile staging]\n"
           "url = https://top.example:443/staging/\n"
           "[profile cust]\n"
           "url = https://cust.example\n"
           "token_file = cust.token\n"
           "page_size = 7\n"
           "[ profile prod ]\n"
           "url = https://prod.example\n"
           "production = yes\n"
           "[profile bare]\n"
           "token = baretoken-0123456789\n"
           "[profile leaky]\n"
           "url = https://leaky.example\n"
           "token_file = leaky.token\n";
}

struct profile_case {
    const char *flag_profile, *env_profile;
    const char *env_url, *env_token, *env_token_file;
    const char *flag_url, *flag_token;
    int rc;
    const char *profile, *url, *token; /* expected on success */
    const char *msg;                   /* expected in the error (or NULL) */
};

/* Every pairing of a url and a token source, as main applies them. */
static const struct profile_case profile_cases[] = {
    /* An env token never reaches a profile's server. */
    {"cust", NULL, NULL, "envtoken-0123456789", NULL, NULL, NULL, OMSLOG_ERR_CONFIG, NULL, NULL,
     NULL, "the token from OMSLOG_TOKEN is not sent to https://cust.example"},
    {"cust", NULL, NULL, NULL, "@cust.token", NULL, NULL, OMSLOG_ERR_CONFIG, NULL, NULL, NULL,
     "token_file in [profile cust]"},
    {"cust", NULL, NULL, NULL, NULL, NULL, "flagtoken-0123456789", OMSLOG_ERR_CONFIG, NULL, NULL,
     NULL, "the token from --token is not sent to"},
    /* A url from the environment or a flag takes the env/flag token. */
    {"cust", NULL, NULL, "envtoken-0123456789", NULL, "https://other.example", NULL, OMSLOG_OK,
     "cust", "https://other.example", "envtoken-0123456789", NULL},
    {"prod", NULL, "https://env.example", "envtoken-0123456789", NULL, NULL, NULL, OMSLOG_OK,
     "prod", "https://env.example", "envtoken-0123456789", NULL},
    /* ...but never the profile's own token. */
    {"cust", NULL, "https://evil.example", NULL, NULL, NULL, NULL, OMSLOG_ERR_CONFIG, NULL, NULL,
     NULL, "belongs to https://cust.example, not to https://evil.example"},
    /* A profile's url with its own token. */
    {"cust", NULL, NULL, NULL, NULL, NULL, NULL, OMSLOG_OK, "cust", "https://cust.example",
     "custtoken-0123456789", NULL},
    /* The top-level token on the top-level origin (default_profile). */
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL, OMSLOG_OK, "staging",
     "https://top.example:443/staging/", "toptoken-0123456789", NULL},
    /* ...and not on another origin. */
    {"prod", NULL, NULL, NULL, NULL, NULL, NULL, OMSLOG_ERR_CONFIG, NULL, NULL, NULL,
     "belongs to https://top.example, not to https://prod.example"},
    /* A profile token with the inherited top-level url. */
    {"bare", NULL, NULL, NULL, NULL, NULL, NULL, OMSLOG_OK, "bare", "https://top.example",
     "baretoken-0123456789", NULL},
    /* -p wins over OMSLOG_PROFILE, which wins over default_profile. */
    {"cust", "prod", NULL, NULL, NULL, NULL, NULL, OMSLOG_OK, "cust", "https://cust.example",
     "custtoken-0123456789", NULL},
    {NULL, "cust", NULL, NULL, NULL, NULL, NULL, OMSLOG_OK, "cust", "https://cust.example",
     "custtoken-0123456789", NULL},
    /* An unknown profile names the known ones. */
    {"nope", NULL, NULL, NULL, NULL, NULL, NULL, OMSLOG_ERR_CONFIG, NULL, NULL, NULL,
     "unknown profile \"nope\"; known profiles: staging, cust, prod, bare, leaky"},
    {NULL, "nope", NULL, NULL, NULL, NULL, NULL, OMSLOG_ERR_CONFIG, NULL, NULL, NULL,
     "unknown profile \"nope\""},
    /* The token file rule holds per profile. */
    {"leaky", NULL, NULL, NULL, NULL, NULL, NULL, OMSLOG_ERR_CONFIG, NULL, NULL, NULL,
     "is readable by others"},
};

static int profile_run(const struct profile_case *t, struct config *c, struct omslog_error *err)
{
    const char *text = profile_config();
    char token_file[256];
    snprintf(token_file, sizeof token_file, "%s", t->env_token_file ? tpath("cust.token") : "");
    const char *env[][2] = {
        {"OMSLOG_PROFILE", t->env_profile},
        {"OMSLOG_URL", t->env_url},
        {"OMSLOG_TOKEN", t->env_token},
        {"OMSLOG_TOKEN_FILE", t->env_token_file ? token_file : NULL},
    };
    fake_env_set(ARRAY_LEN(env), env);
    config_defaults(c);
    config_choose_profile(c, t->flag_profile, fake_getenv);
    int rc = load_text(c, text, err);
    if (rc == OMSLOG_OK)
        rc = config_apply_env(c, fake_getenv, err);
    if (rc == OMSLOG_OK && t->flag_url)
        rc = config_set(c, "url", t->flag_url, "--url", err);
    if (rc == OMSLOG_OK && t->flag_token)
        rc = config_set(c, "token", t->flag_token, "--token", err);
    if (rc == OMSLOG_OK)
        rc = config_finish(c, err);
    return rc;
}

static void test_profile_pairing(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(profile_cases); i++) {
        const struct profile_case *t = &profile_cases[i];
        struct config c;
        struct omslog_error err;
        int rc = profile_run(t, &c, &err);
        if (rc != t->rc || (t->msg && !strstr(err.msg, t->msg)))
            fail_msg("case %zu: rc %d, error \"%s\"", i, rc, err.msg);
        if (t->rc == OMSLOG_OK) {
            assert_string_equal(c.profile, t->profile);
            assert_string_equal(c.url, t->url);
            assert_string_equal(c.token, t->token);
        } else {
            /* The refused token is never echoed. */
            assert_null(strstr(err.msg, "0123456789"));
        }
        config_free(&c);
    }
}

static void test_profile_sections(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err;
    /* The profile in use applies over the top level, whatever the order. */
    config_defaults(&c);
    config_choose_profile(&c, "cust", fake_getenv);
    fake_env_set(0, NULL);
    assert_int_equal(load_text(&c, profile_config(), &err), OMSLOG_OK);
    assert_int_equal(c.page_size, 7);
    assert_false(c.production);
    assert_int_equal(c.n_profiles, 5);
    assert_string_equal(c.profiles[2].name, "prod");
    assert_true(c.profiles[2].production);
    assert_null(c.profiles[3].url);
    assert_string_equal(c.default_profile, "staging");
    config_free(&c);
    /* Only the profile in use is applied: production comes with it. */
    config_defaults(&c);
    config_choose_profile(&c, "prod", fake_getenv);
    assert_int_equal(load_text(&c, profile_config(), &err), OMSLOG_OK);
    assert_true(c.production);
    assert_int_equal(c.page_size, CONFIG_DEFAULT_PAGE_SIZE);
    config_free(&c);
    /* No profile anywhere: nothing changes (an env token with the file's url). */
    config_defaults(&c);
    assert_int_equal(load_text(&c, "url = https://top.example\n", &err), OMSLOG_OK);
    c.layer = CONFIG_LAYER_ENV;
    assert_int_equal(config_set(&c, "token", "envtoken-0123456789", "OMSLOG_TOKEN", &err), 0);
    c.layer = CONFIG_LAYER_FLAG;
    assert_int_equal(config_finish(&c, &err), OMSLOG_OK);
    assert_null(c.profile);
    config_free(&c);

    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"[profile]\n", "expected \"[profile NAME]\""},
        {"[profile a b]\n", "expected \"[profile NAME]\""},
        {"[section x]\n", "expected \"[profile NAME]\""},
        {"[profile x\n", "expected \"[profile NAME]\""},
        {"[profile x]\n[profile x]\n", "line 2: profile x defined twice"},
        {"production = true\n", "production belongs in a [profile NAME] section"},
        {"[profile x]\nproduction = maybe\n", "production: \"maybe\" is not a boolean"},
        {"[profile x]\ndefault_profile = x\n", "default_profile belongs at the top"},
        {"[profile x]\nurll = https://x\n", "line 2: unknown key \"urll\""},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        config_defaults(&c);
        int rc = load_text(&c, bad[i].text, &err);
        if (rc != OMSLOG_ERR_CONFIG || !strstr(err.msg, bad[i].msg))
            fail_msg("bad %zu: rc %d, error \"%s\"", i, rc, err.msg);
        config_free(&c);
    }
}

/* A link's origin picks the profile: same scheme, host and port; the longest
 * path prefix among several; nothing for another origin. */
static void test_profile_for_url(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err;
    config_defaults(&c);
    c.top_level_only = true;
    assert_int_equal(load_text(&c,
                               "url = https://top.example\n"
                               "default_profile = a\n"
                               "[profile a]\nurl = https://oms.example\n"
                               "[profile b]\nurl = https://oms.example/eu/\n"
                               "[profile c]\nurl = https://oms.example:8443/\n"
                               "[profile d]\nurl = http://oms.example/\n"
                               "[profile e]\ntoken = etoken-0123456789\n",
                               &err),
                     OMSLOG_OK);
    assert_null(c.profile); /* top_level_only: default_profile not taken */
    static const struct {
        const char *url, *profile;
    } cases[] = {
        {"https://oms.example/api/v1/oms/logs/action_log/1/", "a"},
        {"https://OMS.example:443/api/v1/oms/logs/action_log/1/", "a"},
        {"https://oms.example/eu/api/v1/oms/logs/action_log/1/", "b"},
        {"https://oms.example/eu", "b"},
        {"https://oms.example/europe/api/v1/oms/logs/action_log/1/", "a"},
        {"https://oms.example:8443/api/v1/oms/logs/action_log/1/", "c"},
        {"http://oms.example/api/v1/oms/logs/action_log/1/", "d"},
        {"https://oms.example.evil/api/v1/oms/logs/action_log/1/", NULL},
        {"https://oms.example@evil.example/api/v1/oms/logs/action_log/1/", NULL},
        {"https://top.example/api/v1/oms/logs/action_log/1/", NULL},
        {"ftp://oms.example/", NULL},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const char *got = config_profile_for_url(&c, cases[i].url);
        if (cases[i].profile ? !got || strcmp(got, cases[i].profile) != 0 : got != NULL)
            fail_msg("%s: got %s, wanted %s", cases[i].url, got ? got : "none",
                     cases[i].profile ? cases[i].profile : "none");
    }
    config_free(&c);
}

static void test_param_names(void **state)
{
    (void)state;
    struct config c;
    struct omslog_error err;
    config_defaults(&c);
    assert_int_equal(load_text(&c,
                               "param.level__gte = min_level\n"
                               "param.created_at__gte = \"created__gte\"\n",
                               &err),
                     OMSLOG_OK);
    assert_string_equal(c.param_names[CAPS_LEVEL_GTE], "min_level");
    assert_string_equal(c.param_names[CAPS_CREATED_GTE], "created__gte");
    assert_null(c.param_names[CAPS_APP]);
    /* A flag-like later setting wins; config_free releases them (ASan). */
    assert_int_equal(config_set(&c, "param.level__gte", "lvl_min", "test", &err), OMSLOG_OK);
    assert_string_equal(c.param_names[CAPS_LEVEL_GTE], "lvl_min");
    config_free(&c);

    config_defaults(&c);
    assert_int_equal(load_text(&c, "param.level__gt = x\n", &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "line 1"));
    assert_non_null(strstr(err.msg, "level__gt"));
    assert_non_null(strstr(err.msg, "not a filter parameter"));
    assert_int_equal(load_text(&c, "param.app_name = app name\n", &err), OMSLOG_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "not a parameter name"));
    assert_int_equal(load_text(&c, "param.app_name =\n", &err), OMSLOG_ERR_CONFIG);
    assert_int_equal(load_text(&c, "param. = x\n", &err), OMSLOG_ERR_CONFIG);
    /* In a profile section: applied with that profile only. */
    assert_int_equal(load_text(&c, "[profile a]\nparam.id__lt = before\n", &err), OMSLOG_OK);
    assert_null(c.param_names[CAPS_ID_LT]);
    config_free(&c);
    config_defaults(&c);
    config_choose_profile(&c, "a", fake_getenv);
    fake_env_set(0, NULL);
    assert_int_equal(load_text(&c, "[profile a]\nparam.id__lt = before\n", &err), OMSLOG_OK);
    assert_string_equal(c.param_names[CAPS_ID_LT], "before");
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_profile_pairing),
        cmocka_unit_test(test_profile_sections),
        cmocka_unit_test(test_profile_for_url),
        cmocka_unit_test(test_param_names),
        cmocka_unit_test(test_precedence_file_env_flags),
        cmocka_unit_test(test_env_empty_is_unset),
        cmocka_unit_test(test_env_no_color_and_token_file),
        cmocka_unit_test(test_env_real_getenv),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_missing_and_not_regular),
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_line_length),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_good_values),
        cmocka_unit_test(test_page_size_zero_is_the_servers_default),
        cmocka_unit_test(test_bad_token_never_echoed),
        cmocka_unit_test(test_token_file),
        cmocka_unit_test(test_token_file_key),
        cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_tls_files),
        cmocka_unit_test(test_tls_env),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_max_response_and_retry_budget),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
