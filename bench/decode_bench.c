/* decode_bench.c — benchmark 2: how fast omslog turns response bodies into
 * entries (decode_page + log_page_free: the one-pass fast path of
 * src/decode_fast.c), beside the two alternatives on the same bytes:
 *   full     decode_page_full: jansson's tree, then a walk copying the fields
 *            out (what omslog did before the fast path; it still decodes the
 *            bodies the fast path hands back);
 *   jansson  bare json_loadb + json_decref: the ceiling of any decoder built
 *            on jansson's tree, however little it did with it.
 *
 *   decode_bench [-q] FILE...     (bodies from bench/make_pages.py)
 *   decode_bench -p omslog|full|jansson SECONDS FILE   (one decoder in a loop,
 *                                                       to profile)
 *
 * Each figure is the median of several samples; a sample repeats the decode
 * until it has run for a minimum time, so that short pages are not timed at
 * the clock's resolution. MB here is 10^6 bytes of response body. -q: fewer and
 * shorter samples (smoke run). Exit status 1 when a body does not decode, or
 * when the fast path does not take a body (it would be measuring the full
 * decoder twice). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "omslog/decode.h"
#include "omslog/decode_fast.h"
#include "omslog/entry.h"
#include "omslog/error.h"

#define BENCH_SAMPLES 7
#define BENCH_SAMPLES_QUICK 3
#define BENCH_SAMPLE_MIN_S 0.25
#define BENCH_SAMPLE_MIN_S_QUICK 0.05
#define BENCH_BYTES_PER_MB 1e6
#define BENCH_NS_PER_S 1e9
/* Target of issue 5 for typical pages. */
#define BENCH_TARGET_MBPS 150.0
/* Same flags as src/decode.c, so the ceiling parses what omslog parses. */
#define BENCH_JANSSON_FLAGS (JSON_DECODE_ANY | JSON_ALLOW_NUL)

struct body {
    const char *name;
    char *data;
    size_t len;
    size_t entries;
};

typedef int (*bench_fn)(const struct body *b);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / BENCH_NS_PER_S;
}

static int run_omslog(const struct body *b)
{
    struct log_page p;
    struct omslog_error err = {0};
    if (decode_page(b->data, b->len, &p, &err) != 0)
        return -1;
    log_page_free(&p);
    return 0;
}

static int run_full(const struct body *b)
{
    struct log_page p;
    struct omslog_error err = {0};
    if (decode_page_full(b->data, b->len, &p, &err) != 0)
        return -1;
    log_page_free(&p);
    return 0;
}

static int run_jansson(const struct body *b)
{
    json_error_t jerr;
    json_t *root = json_loadb(b->data, b->len, BENCH_JANSSON_FLAGS, &jerr);
    if (!root)
        return -1;
    json_decref(root);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Seconds per call, median of the samples; negative when a call fails. */
static double measure(bench_fn fn, const struct body *b, int samples, double min_s)
{
    /* Calibrate: double the repetitions until one sample lasts min_s. */
    long reps = 1;
    for (;;) {
        double t0 = now_s();
        for (long i = 0; i < reps; i++)
            if (fn(b) != 0)
                return -1;
        if (now_s() - t0 >= min_s)
            break;
        reps *= 2;
    }
    double per_call[BENCH_SAMPLES];
    for (int s = 0; s < samples; s++) {
        double t0 = now_s();
        for (long i = 0; i < reps; i++)
            fn(b);
        per_call[s] = (now_s() - t0) / (double)reps;
    }
    qsort(per_call, (size_t)samples, sizeof per_call[0], cmp_double);
    return per_call[samples / 2];
}

static int load(const char *path, struct body *b)
{
    memset(b, 0, sizeof *b); /* the caller frees b->data whatever happens */
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    const char *slash = strrchr(path, '/');
    b->name = slash ? slash + 1 : path;
    size_t cap = 0;
    for (;;) {
        if (b->len == cap) {
            cap = cap ? cap * 2 : 65536;
            char *grown = realloc(b->data, cap);
            if (!grown) {
                fclose(f);
                return -1;
            }
            b->data = grown;
        }
        size_t got = fread(b->data + b->len, 1, cap - b->len, f);
        if (got == 0)
            break;
        b->len += got;
    }
    fclose(f);
    struct log_page p;
    struct omslog_error err = {0};
    if (decode_page(b->data, b->len, &p, &err) != 0) {
        fprintf(stderr, "%s: does not decode: %s\n", path, err.msg);
        return -1;
    }
    b->entries = p.n;
    log_page_free(&p);
    if (decode_fast_page(b->data, b->len, &p) != 0) {
        fprintf(stderr, "%s: the fast path does not take it\n", path);
        return -1;
    }
    log_page_free(&p);
    return 0;
}

/* Run one decoder for about `seconds`, for perf or callgrind. */
static int profile(const char *which, const char *seconds, const char *path)
{
    bench_fn fn = strcmp(which, "jansson") == 0 ? run_jansson
                  : strcmp(which, "full") == 0  ? run_full
                                                : run_omslog;
    double until = now_s() + atof(seconds);
    struct body b;
    if (load(path, &b) != 0) {
        free(b.data);
        return 1;
    }
    long calls = 0;
    do {
        if (fn(&b) != 0) {
            free(b.data);
            return 1;
        }
        calls++;
    } while (now_s() < until);
    printf("%ld calls of %s on %s\n", calls, which, b.name);
    free(b.data);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "-p") == 0)
        return profile(argv[2], argv[3], argv[4]);
    int samples = BENCH_SAMPLES;
    double min_s = BENCH_SAMPLE_MIN_S;
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "-q") == 0) {
        samples = BENCH_SAMPLES_QUICK;
        min_s = BENCH_SAMPLE_MIN_S_QUICK;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: decode_bench [-q] FILE...\n");
        return 2;
    }
    printf("benchmark 2: decoding (decode_page + log_page_free vs decode_page_full, the "
           "jansson-based decoder, and bare json_loadb + json_decref), median of %d samples of "
           ">= %.2f s\n",
           samples, min_s);
    printf("%-16s %10s %8s %12s %10s %13s %11s %14s\n", "body", "bytes", "entries",
           "omslog MB/s", "full MB/s", "jansson MB/s", "vs jansson", "omslog ent/s");
    int rc = 0;
    double worst_typical = -1;
    for (int i = first; i < argc; i++) {
        struct body b;
        if (load(argv[i], &b) != 0) {
            free(b.data);
            rc = 1;
            continue;
        }
        double t_o = measure(run_omslog, &b, samples, min_s);
        double t_f = measure(run_full, &b, samples, min_s);
        double t_j = measure(run_jansson, &b, samples, min_s);
        if (t_o <= 0 || t_f <= 0 || t_j <= 0) {
            fprintf(stderr, "%s: a decode failed while measuring\n", b.name);
            free(b.data);
            rc = 1;
            continue;
        }
        double mb = (double)b.len / BENCH_BYTES_PER_MB;
        printf("%-16s %10zu %8zu %12.1f %10.1f %13.1f %10.1fx %14.0f\n", b.name, b.len,
               b.entries, mb / t_o, mb / t_f, mb / t_j, t_j / t_o, (double)b.entries / t_o);
        /* "Typical" pages: everything but the one built around a huge trace. */
        if (!strstr(b.name, "trace") && (worst_typical < 0 || mb / t_o < worst_typical))
            worst_typical = mb / t_o;
        free(b.data);
    }
    if (worst_typical >= 0)
        printf("slowest typical page: %.1f MB/s (target >= %.0f MB/s: %s)\n", worst_typical,
               BENCH_TARGET_MBPS, worst_typical >= BENCH_TARGET_MBPS ? "met" : "MISSED");
    return rc;
}
