/* decode_bench.c — benchmark 2: what decoding costs a user. Every page the
 * browser shows and `list` prints is one request to the API, 20–200 ms of
 * network and server; decode_page + log_page_free on the reply is the time
 * omslog adds on top. For each body this prints that time and its share of
 * the whole wait: decode / (request + decode), for a 20 ms and a 200 ms
 * request.
 *
 *   decode_bench [-q] FILE...     (bodies from bench/make_pages.py)
 *
 * Each time is the median of several samples; a sample repeats the decode
 * until it has run for a minimum time, so that short pages are not timed at
 * the clock's resolution. -q: fewer and shorter samples (smoke run). Exit
 * status 1 when a body does not decode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "omslog/decode.h"
#include "omslog/entry.h"
#include "omslog/error.h"

#define BENCH_SAMPLES 7
#define BENCH_SAMPLES_QUICK 3
#define BENCH_SAMPLE_MIN_S 0.25
#define BENCH_SAMPLE_MIN_S_QUICK 0.05
#define BENCH_NS_PER_S 1e9
#define BENCH_MS_PER_S 1e3
#define BENCH_PERCENT 100.0
/* The range of one request's time (network and server) the share is given for. */
#define BENCH_REQUEST_FAST_MS 20.0
#define BENCH_REQUEST_SLOW_MS 200.0
#define BENCH_READ_CHUNK 65536

struct body {
    const char *name;
    char *data;
    size_t len;
    size_t entries;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / BENCH_NS_PER_S;
}

static int decode_once(const struct body *b)
{
    struct log_page p;
    if (decode_page(b->data, b->len, &p, NULL) != DECODE_OK)
        return -1;
    log_page_free(&p);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Seconds per decode, median of the samples; negative when a decode fails. */
static double measure(const struct body *b, int samples, double min_s)
{
    /* Calibrate: double the repetitions until one sample lasts min_s. */
    long reps = 1;
    for (;;) {
        double t0 = now_s();
        for (long i = 0; i < reps; i++)
            if (decode_once(b) != 0)
                return -1;
        if (now_s() - t0 >= min_s)
            break;
        reps *= 2;
    }
    double per_call[BENCH_SAMPLES];
    for (int s = 0; s < samples; s++) {
        double t0 = now_s();
        for (long i = 0; i < reps; i++)
            decode_once(b);
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
            cap += BENCH_READ_CHUNK;
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
    if (decode_page(b->data, b->len, &p, &err) != DECODE_OK) {
        fprintf(stderr, "%s: does not decode: %s\n", path, err.msg);
        return -1;
    }
    b->entries = p.n;
    log_page_free(&p);
    return 0;
}

/* Percent of the whole wait (request_ms, then decoding) spent decoding. */
static double share(double decode_ms, double request_ms)
{
    return BENCH_PERCENT * decode_ms / (request_ms + decode_ms);
}

int main(int argc, char **argv)
{
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
    printf("benchmark 2: decoding a reply (decode_page + log_page_free), median of %d samples "
           "of >= %.2f s; share = decode / (request + decode)\n",
           samples, min_s);
    printf("%-16s %10s %8s %11s %16s %17s\n", "body", "bytes", "entries", "decode ms",
           "of 20 ms request", "of 200 ms request");
    int rc = 0;
    for (int i = first; i < argc; i++) {
        struct body b;
        if (load(argv[i], &b) != 0) {
            free(b.data);
            rc = 1;
            continue;
        }
        double t = measure(&b, samples, min_s);
        if (t <= 0) {
            fprintf(stderr, "%s: a decode failed while measuring\n", b.name);
            free(b.data);
            rc = 1;
            continue;
        }
        double ms = t * BENCH_MS_PER_S;
        printf("%-16s %10zu %8zu %11.3f %15.2f%% %16.2f%%\n", b.name, b.len, b.entries, ms,
               share(ms, BENCH_REQUEST_FAST_MS), share(ms, BENCH_REQUEST_SLOW_MS));
        free(b.data);
    }
    return rc;
}
