/* test_clipboard.c — base64, OSC 52 sequences, the yank menu's curl command,
 * and delivery (fake tmux/xclip/... scripts in a temporary directory that
 * record their arguments and stdin). */
/* cmocka.h needs these four headers first, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "omslog/buf.h"
#include "omslog/clipboard.h"
#include "omslog/util.h"

#include "test_support.h"

static void expect_b64(const char *in, size_t len, const char *want)
{
    struct buf b;
    buf_init(&b);
    base64_encode(&b, in, len);
    assert_string_equal(buf_str(&b), want);
    assert_int_equal(b.len, strlen(want));
    buf_free(&b);
}

static void test_base64_rfc4648(void **state)
{
    (void)state;
    /* RFC 4648 section 10 test vectors. */
    expect_b64("", 0, "");
    expect_b64("f", 1, "Zg==");
    expect_b64("fo", 2, "Zm8=");
    expect_b64("foo", 3, "Zm9v");
    expect_b64("foob", 4, "Zm9vYg==");
    expect_b64("fooba", 5, "Zm9vYmE=");
    expect_b64("foobar", 6, "Zm9vYmFy");
    expect_b64(NULL, 0, "");
}

static void test_base64_binary(void **state)
{
    (void)state;
    /* High bytes and NULs: the alphabet's last characters and no sign bugs. */
    expect_b64("\xff\xff\xff", 3, "////");
    expect_b64("\xfb\xef\xbe", 3, "++++");
    expect_b64("\0\0\0\0", 4, "AAAAAA==");
    expect_b64("Sipari\xc5\x9f", 8, "U2lwYXJpxZ8=");

    /* Appends to what is already there. */
    struct buf b;
    buf_init(&b);
    buf_appends(&b, "x:");
    base64_encode(&b, "foo", 3);
    assert_string_equal(buf_str(&b), "x:Zm9v");
    buf_free(&b);
}

static void test_osc52_plain(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    assert_int_equal(osc52_sequence(&b, "foobar", 6, 0), 0);
    static const char want[] = "\033]52;c;Zm9vYmFy\007";
    assert_int_equal(b.len, sizeof want - 1);
    assert_memory_equal(b.data, want, sizeof want - 1);

    buf_reset(&b);
    assert_int_equal(osc52_sequence(&b, "", 0, 0), 0);
    assert_string_equal(buf_str(&b), "\033]52;c;\007");
    buf_free(&b);
}

static void test_osc52_tmux(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    assert_int_equal(osc52_sequence(&b, "foo", 3, 1), 0);
    /* ESC P tmux; ESC ESC ] 52;c;... BEL ESC \ — the inner ESC doubled. */
    static const char want[] = "\033Ptmux;\033\033]52;c;Zm9v\007\033\\";
    assert_int_equal(b.len, sizeof want - 1);
    assert_memory_equal(b.data, want, sizeof want - 1);

    /* Every ESC between the DCS start and its terminator is doubled. */
    const char *inner = b.data + strlen("\033Ptmux;");
    size_t inner_len = b.len - strlen("\033Ptmux;") - strlen("\033\\");
    for (size_t i = 0; i < inner_len; i++) {
        if (inner[i] == '\033') {
            assert_true(i + 1 < inner_len);
            assert_int_equal(inner[i + 1], '\033');
            i++;
        }
    }
    buf_free(&b);
}

static void test_osc52_limit(void **state)
{
    (void)state;
    size_t n = CLIPBOARD_MAX_BYTES + 1;
    char *big = xmalloc(n);
    memset(big, 'a', n);
    struct buf b;
    buf_init(&b);
    buf_appends(&b, "keep");
    assert_int_equal(osc52_sequence(&b, big, n, 0), -1);
    assert_int_equal(osc52_sequence(&b, big, n, 1), -1);
    assert_string_equal(buf_str(&b), "keep"); /* nothing appended */

    /* Exactly the limit still goes through, with the whole payload. */
    buf_reset(&b);
    assert_int_equal(osc52_sequence(&b, big, CLIPBOARD_MAX_BYTES, 0), 0);
    size_t b64_len = (CLIPBOARD_MAX_BYTES + 2) / 3 * 4;
    assert_int_equal(b.len, strlen("\033]52;c;") + b64_len + 1);
    assert_int_equal(b.data[b.len - 1], '\007');
    buf_free(&b);
    free(big);
}

static void test_curl_command(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    curl_command(&b, "https://oms.example/api/v1/oms/logs/action_log/42/");
    assert_string_equal(buf_str(&b), "curl -sS -H \"Authorization: Token $OMSLOG_TOKEN\" "
                                     "'https://oms.example/api/v1/oms/logs/action_log/42/'");
    buf_free(&b);
}

static void test_curl_command_quoting(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    curl_command(&b, "https://oms.example/a'b/?q=$(rm -rf x)`id`\"");
    const char *s = buf_str(&b);
    /* ' becomes '\'' and everything else stays inside single quotes, where
     * a POSIX shell expands nothing. */
    assert_string_equal(s, "curl -sS -H \"Authorization: Token $OMSLOG_TOKEN\" "
                           "'https://oms.example/a'\\''b/?q=$(rm -rf x)`id`\"'");
    /* The token is read from the environment; no other credential appears. */
    assert_non_null(strstr(s, "$OMSLOG_TOKEN"));
    const char *auth = strstr(s, "Authorization");
    assert_non_null(auth);
    assert_null(strstr(auth + 1, "Authorization"));
    assert_null(strstr(s, "Token \""));
    buf_free(&b);
}

static void test_curl_command_controls(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    /* A newline pasted into a shell would run the line early. */
    curl_command(&b, "http://h/x\ny\x1b\x7f");
    assert_string_equal(buf_str(&b), "curl -sS -H \"Authorization: Token $OMSLOG_TOKEN\" "
                                     "'http://h/x%0Ay%1B%7F'");
    assert_null(strchr(buf_str(&b), '\n'));

    buf_reset(&b);
    curl_command(&b, NULL);
    assert_string_equal(buf_str(&b), "curl -sS -H \"Authorization: Token $OMSLOG_TOKEN\" ''");
    buf_free(&b);
}

/* A temporary directory: bin/ for the fake programs, state/ for the file. */
struct fake {
    char dir[64];
    char bin[96];
    char state[96];
    struct clipboard_env env;
};

static void fake_init(struct fake *f)
{
    snprintf(f->dir, sizeof f->dir, "/tmp/omslog-clip-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->bin, sizeof f->bin, "%s/bin", f->dir);
    snprintf(f->state, sizeof f->state, "%s/state", f->dir);
    assert_int_equal(mkdir(f->bin, 0700), 0);
    f->env = (struct clipboard_env){
        .path = f->bin, .xdg_state_home = f->state, .home = f->dir, .tty_fd = -1};
}

static void fake_free(struct fake *f)
{
    assert_int_equal(test_rmtree(f->dir), 0);
}

/* A program named name that records its arguments in DIR/name.args, its
 * stdin in DIR/name.in, and then runs tail (shell text). */
static void fake_program(struct fake *f, const char *name, const char *tail)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", f->bin, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "#!/bin/sh\necho \"$@\" > '%s/%s.args'\ncat > '%s/%s.in'\n%s\n", f->dir, name,
            f->dir, name, tail);
    fclose(fp);
    assert_int_equal(chmod(path, 0700), 0);
}

/* What the fake program name recorded (file DIR/name.suffix), or NULL. */
static char *fake_read(struct fake *f, const char *name, const char *suffix)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s.%s", f->dir, name, suffix);
    if (access(path, F_OK) != 0)
        return NULL;
    return test_read_file(path, NULL);
}

static void test_deliver_tmux(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f);
    fake_program(&f, "tmux", "exit 0");
    f.env.tmux = "/tmp/tmux-0/default,1,0";
    f.env.display = ":0"; /* not needed: tmux comes first */
    fake_program(&f, "xclip", "exit 0");
    char where[CLIPBOARD_WHERE_MAX];
    static const char text[] = "line 1\nline 2 $(id) `x` '\n";
    assert_int_equal(clipboard_deliver(text, strlen(text), &f.env, where, sizeof where, NULL),
                     CLIPBOARD_TMUX);
    assert_string_equal(where, "to the tmux buffer");
    char *got = fake_read(&f, "tmux", "in");
    assert_string_equal(got, text); /* on stdin, exactly */
    free(got);
    got = fake_read(&f, "tmux", "args");
    assert_string_equal(got, "load-buffer -w -\n"); /* never on the command line */
    free(got);
    assert_null(fake_read(&f, "xclip", "in"));
    fake_free(&f);
}

static void test_deliver_program_gets_no_other_fd(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f);
    /* Lists what its open descriptors point at, as `pipe:[INODE]` etc. */
    fake_program(&f, "tmux",
                 "for d in /proc/$$/fd/*; do readlink \"$d\"; done > \"$0.fds\"; exit 0");
    f.env.tmux = "/tmp/tmux-0/default,1,0";
    int fds[2];
    assert_int_equal(pipe(fds), 0); /* inheritable, as a careless socket would be */
    struct stat st;
    assert_int_equal(fstat(fds[1], &st), 0);
    char ours[64];
    snprintf(ours, sizeof ours, "pipe:[%llu]", (unsigned long long)st.st_ino);
    char where[CLIPBOARD_WHERE_MAX];
    assert_int_equal(clipboard_deliver("x", 1, &f.env, where, sizeof where, NULL), CLIPBOARD_TMUX);
    char path[160];
    snprintf(path, sizeof path, "%s/tmux.fds", f.bin);
    char *got = test_read_file(path, NULL);
    assert_non_null(strstr(got, "/dev/null")); /* the listing worked */
    assert_null(strstr(got, ours));
    free(got);
    close(fds[0]);
    close(fds[1]);
    fake_free(&f);
}

static void test_deliver_failing_program_falls_through(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f);
    fake_program(&f, "tmux", "exit 3");
    fake_program(&f, "xclip", "exit 0");
    f.env.tmux = "/tmp/tmux-0/default,1,0";
    f.env.display = ":0";
    char where[CLIPBOARD_WHERE_MAX];
    assert_int_equal(clipboard_deliver("abc", 3, &f.env, where, sizeof where, NULL),
                     CLIPBOARD_PROGRAM);
    assert_string_equal(where, "to the clipboard with xclip (tmux load-buffer: exit status 3)");
    char *got = fake_read(&f, "xclip", "in");
    assert_string_equal(got, "abc");
    free(got);
    got = fake_read(&f, "xclip", "args");
    assert_string_equal(got, "-selection clipboard\n");
    free(got);
    fake_free(&f);
}

static void test_deliver_missing_program_falls_through(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f);
    fake_program(&f, "xsel", "exit 0");
    f.env.tmux = "/tmp/tmux-0/default,1,0";
    f.env.display = ":0";
    char where[CLIPBOARD_WHERE_MAX];
    assert_int_equal(clipboard_deliver("abc", 3, &f.env, where, sizeof where, NULL),
                     CLIPBOARD_PROGRAM);
    assert_string_equal(where, "to the clipboard with xsel "
                               "(tmux load-buffer: not found; xclip: not found)");
    char *got = fake_read(&f, "xsel", "args");
    assert_string_equal(got, "--clipboard --input\n");
    free(got);

    /* Wayland first when both displays are there. */
    fake_program(&f, "wl-copy", "exit 0");
    f.env.tmux = NULL;
    f.env.wayland_display = "wayland-0";
    assert_int_equal(clipboard_deliver("wl", 2, &f.env, where, sizeof where, NULL),
                     CLIPBOARD_PROGRAM);
    assert_string_equal(where, "to the clipboard with wl-copy");
    got = fake_read(&f, "wl-copy", "in");
    assert_string_equal(got, "wl");
    free(got);
    fake_free(&f);
}

static void test_deliver_file_fallback(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f);
    fake_program(&f, "xclip", "exit 0"); /* no display: never run */
    char where[CLIPBOARD_WHERE_MAX];
    static const char text[] = "the text\n";
    assert_int_equal(clipboard_deliver(text, strlen(text), &f.env, where, sizeof where, NULL),
                     CLIPBOARD_FILE);
    char path[160], want[256];
    snprintf(path, sizeof path, "%s/omslog/" CLIPBOARD_FILE_NAME, f.state);
    snprintf(want, sizeof want, "written to %s", path);
    assert_string_equal(where, want);
    char *got = test_read_file(path, NULL);
    assert_string_equal(got, text);
    free(got);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(path, sizeof path, "%s/omslog", f.state);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_null(fake_read(&f, "xclip", "in"));

    /* Without $XDG_STATE_HOME (or with a relative one): ~/.local/state. */
    f.env.xdg_state_home = "relative";
    assert_int_equal(clipboard_deliver("x", 1, &f.env, where, sizeof where, NULL), CLIPBOARD_FILE);
    snprintf(want, sizeof want, "written to %s/.local/state/omslog/" CLIPBOARD_FILE_NAME, f.dir);
    assert_string_equal(where, want);

    /* Nowhere to write: an error, saying why. */
    f.env.xdg_state_home = NULL;
    f.env.home = NULL;
    struct omslog_error err = {0};
    assert_int_equal(clipboard_deliver("x", 1, &f.env, where, sizeof where, &err),
                     CLIPBOARD_FAILED);
    assert_int_equal(err.status, OMSLOG_ERR_IO);
    assert_non_null(strstr(err.msg, "$HOME"));
    fake_free(&f);
}

static void test_deliver_osc52(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    f.env.osc52 = true;
    f.env.tty_fd = fds[1];
    char where[CLIPBOARD_WHERE_MAX];
    assert_int_equal(clipboard_deliver("foo", 3, &f.env, where, sizeof where, NULL),
                     CLIPBOARD_OSC52);
    assert_string_equal(where, "sent to the terminal (OSC 52)");
    char seq[64] = {0};
    assert_true(read(fds[0], seq, sizeof seq - 1) > 0);
    assert_string_equal(seq, "\033]52;c;Zm9v\007"); /* plain, never wrapped for tmux */

    /* Too large for a terminal: the next way, saying why. */
    size_t n = CLIPBOARD_MAX_BYTES + 1;
    char *big = xmalloc(n);
    memset(big, 'a', n);
    assert_int_equal(clipboard_deliver(big, n, &f.env, where, sizeof where, NULL), CLIPBOARD_FILE);
    assert_non_null(strstr(where, "(OSC 52: too large for a terminal)"));
    free(big);
    close(fds[0]);
    close(fds[1]);
    fake_free(&f);
}

static void test_deliver_bounded_wait(void **state)
{
    (void)state;
    struct fake f;
    fake_init(&f);
    /* Reads everything, then never exits. */
    fake_program(&f, "tmux", "exec sleep 30");
    f.env.tmux = "/tmp/tmux-0/default,1,0";
    f.env.timeout_ms = 300;
    char where[CLIPBOARD_WHERE_MAX];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(clipboard_deliver("abc", 3, &f.env, where, sizeof where, NULL),
                     CLIPBOARD_FILE);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(took < 3.0);
    assert_non_null(strstr(where, "(tmux load-buffer: timed out after 300 ms)"));

    /* Never reads its stdin, with more than a pipe holds: the write gives up
     * at the deadline too (no SIGPIPE, no hang), and exit 0 counts. */
    char path[160];
    snprintf(path, sizeof path, "%s/tmux", f.bin);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("#!/bin/sh\nexec sleep 30\n", fp);
    fclose(fp);
    size_t n = 4 * 1024 * 1024;
    char *big = xmalloc(n);
    memset(big, 'a', n);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(clipboard_deliver(big, n, &f.env, where, sizeof where, NULL), CLIPBOARD_FILE);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    took = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(took < 3.0);
    assert_non_null(strstr(where, "timed out"));
    free(big);

    /* Exits at once without reading: its exit status decides. */
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("#!/bin/sh\nexit 0\n", fp);
    fclose(fp);
    big = xmalloc(n);
    memset(big, 'b', n);
    assert_int_equal(clipboard_deliver(big, n, &f.env, where, sizeof where, NULL), CLIPBOARD_TMUX);
    free(big);
    fake_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_rfc4648),
        cmocka_unit_test(test_base64_binary),
        cmocka_unit_test(test_osc52_plain),
        cmocka_unit_test(test_osc52_tmux),
        cmocka_unit_test(test_osc52_limit),
        cmocka_unit_test(test_curl_command),
        cmocka_unit_test(test_curl_command_quoting),
        cmocka_unit_test(test_curl_command_controls),
        cmocka_unit_test(test_deliver_tmux),
        cmocka_unit_test(test_deliver_program_gets_no_other_fd),
        cmocka_unit_test(test_deliver_failing_program_falls_through),
        cmocka_unit_test(test_deliver_missing_program_falls_through),
        cmocka_unit_test(test_deliver_file_fallback),
        cmocka_unit_test(test_deliver_osc52),
        cmocka_unit_test(test_deliver_bounded_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
