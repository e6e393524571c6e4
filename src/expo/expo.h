/* expo.h - Prometheus text exposition format 0.0.4 writer.
 *
 * Enforces the format's structural rules as it writes: one HELP and one TYPE per
 * family, written before the family's samples, and every family written as one
 * contiguous group (a family begun twice is an error). Escapes label values
 * (\\ \" \n) and HELP text (\\ \n) exactly as the format requires, spells
 * NaN/+Inf/-Inf as Prometheus expects, and never depends on the C locale.
 *
 * Every sample line ends with the writer's timestamp suffix (" <ms>\n", or "\n"
 * when timestamps are off), fixed for the whole render: one render = one tick.
 * Not thread-safe: one writer per render. The writer borrows the strbuf. */
#ifndef SWITCHSIM_EXPO_H
#define SWITCHSIM_EXPO_H

#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "base/errbuf.h"
#include "base/strbuf.h"

enum metric_type { METRIC_GAUGE, METRIC_COUNTER, METRIC_UNTYPED };

#define EXPO_MAX_FAMILIES 64

struct expo {
    struct strbuf *out;
    char ts_suffix[32]; /* " 1763800000000\n" or "\n" */
    size_t ts_len;
    const char *families[EXPO_MAX_FAMILIES];
    size_t n_families;
    uint64_t n_samples;
    int failed;
    struct errbuf err;
};

/* A label set rendered once, ahead of time: `{device="leaf1",port="Ethernet1"}`.
 * Borrowed: the text lives wherever its builder put it (see expo_labels_append). */
struct expo_labels {
    const char *text; /* "" for no labels */
    size_t len;
};

void expo_init(struct expo *w, struct strbuf *out, int64_t timestamp_ms, int with_timestamps);

/* Writes "# HELP" and "# TYPE". Fails (and marks the writer failed) if the family was
 * already written in this render or the name is not a valid metric name. The name must
 * stay valid until the render ends. */
int expo_family(struct expo *w, const char *name, const char *help, enum metric_type type);

/* One sample line: name, pre-rendered labels, value, timestamp suffix. */
void expo_sample_u64(struct expo *w, const char *name, size_t name_len,
                     const struct expo_labels *labels, uint64_t value);
void expo_sample_double(struct expo *w, const char *name, size_t name_len,
                        const struct expo_labels *labels, double value);

/* Appends `{n1="v1",n2="v2"}` (escaped values; names are trusted, validated upstream) to
 * sb and returns its length; nothing for n == 0. The caller points an expo_labels at the
 * text once sb stops moving. */
size_t expo_labels_append(struct strbuf *sb, const char *const *names, const char *const *values,
                          size_t n);

/* Fast path for large families: reserve room for a batch of samples, write them with
 * expo_put_u64(), then commit. Returns NULL (and the buffer is marked overflowed) when
 * the body cap would be exceeded. */
char *expo_reserve(struct expo *w, size_t bytes);
void expo_commit(struct expo *w, char *end, uint64_t n_samples);

static inline char *expo_put_u64(char *p, uint64_t v)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930"
                                "31323334353637383940414243444546474849505152535455565758596061"
                                "626364656667686970717273747576777879808182838485868788899091"
                                "9293949596979899";
    char tmp[20];
    char *t = tmp + sizeof(tmp);
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        t -= 2;
        memcpy(t, pairs + 2 * r, 2);
    }
    if (v >= 10) {
        t -= 2;
        memcpy(t, pairs + 2 * v, 2);
    } else {
        *--t = (char)('0' + v);
    }
    size_t n = (size_t)(tmp + sizeof(tmp) - t);
    memcpy(p, t, n);
    return p + n;
}

/* One whole sample line at p: name, labels, ' ', value, the writer's timestamp suffix.
 * (Plain memcpy: hand-rolled short copies measured no faster; the loop is bound by
 * writing tens of MB to memory.) */
static inline char *expo_put_sample_u64(const struct expo *w, char *p, const char *name,
                                        size_t name_len, const struct expo_labels *labels,
                                        uint64_t value)
{
    memcpy(p, name, name_len);
    p += name_len;
    memcpy(p, labels->text, labels->len);
    p += labels->len;
    *p++ = ' ';
    p = expo_put_u64(p, value);
    memcpy(p, w->ts_suffix, w->ts_len);
    return p + w->ts_len;
}

/* Escapers, exposed for tests and for building label sets. */
void expo_escape_label_value(struct strbuf *sb, const char *value);
void expo_escape_help(struct strbuf *sb, const char *help);
/* Writes v in decimal; returns the number of bytes (at most 20). */
size_t expo_format_u64(char *dst, uint64_t v);
/* Writes v as Prometheus reads it: NaN, +Inf, -Inf, integers without exponent when exact,
 * otherwise the shortest of %.15g/%.17g that round-trips. Returns bytes (at most 32). */
size_t expo_format_double(char *dst, double v);
int expo_valid_metric_name(const char *name);

#endif /* SWITCHSIM_EXPO_H */
