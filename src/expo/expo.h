/* expo.h - exposition writer: Prometheus text format 0.0.4 and OpenMetrics 1.0.
 *
 * A format (enum expo_format) is a set of properties - content type, how a family is
 * declared (HELP/TYPE/UNIT, suffixes), how HELP is escaped, how timestamps are written,
 * the terminator - so callers never write format-specific text themselves.
 *
 * The writer enforces the structural rules its output promises, by construction:
 *  - a sample can only be written into the open family (expo_begin_family), and takes its
 *    name from it, so a sample of another family inside a block cannot be written;
 *  - a sample with no open family, a family begun twice in one exposition, or any write
 *    after expo_finish() marks the writer failed with a message (w->failed, w->err);
 *  - HELP and TYPE (and UNIT in OpenMetrics) always precede the family's samples.
 * A family is described once (struct expo_family) by the metric catalog; the writer
 * derives every format's spelling from it: 0.0.4 declares the sample name
 * ("x_bytes_total", "x_info") with info and stateset written as gauges; OpenMetrics
 * declares counters without "_total" and info families without "_info", writes "# UNIT",
 * timestamps in seconds and "# EOF".
 *
 * Every sample line ends with the writer's timestamp suffix, fixed for the whole render:
 * one render = one tick. Not thread-safe: one writer per render; it borrows the strbuf.
 * Locale-independent. */
#ifndef SWITCHSIM_EXPO_H
#define SWITCHSIM_EXPO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/errbuf.h"
#include "base/strbuf.h"

enum metric_type { METRIC_GAUGE, METRIC_COUNTER, METRIC_INFO, METRIC_STATESET, METRIC_TYPE_COUNT };

enum expo_format { EXPO_TEXT_004, EXPO_OPENMETRICS_100, EXPO_FORMAT_COUNT };

/* What a metric family is, independent of format. Defined once, in the metric catalog. */
struct expo_family {
    const char *name; /* sample name: counters end in "_total", info families in "_info" */
    const char *help;
    const char *unit; /* "" or a base unit the name ends with ("bytes", "seconds") */
    enum metric_type type;
    const char *const *state_names; /* METRIC_STATESET: the states, every one exposed */
    size_t n_states;
};

/* Properties of a format (one row per enum expo_format). */
struct expo_format_desc {
    const char *name;         /* "text" or "openmetrics" (logs, docs) */
    const char *content_type; /* the HTTP Content-Type of a body in this format */
    const char *terminator;   /* written by expo_finish() */
    int timestamp_seconds;    /* 1: seconds with millisecond decimals; 0: integer ms */
    int help_escapes_quotes;  /* OpenMetrics escapes " in HELP; 0.0.4 must not */
    int declares_base_name;   /* OpenMetrics: TYPE/HELP name lacks "_total"/"_info" */
    int writes_unit;          /* "# UNIT" lines */
    const char *type_names[METRIC_TYPE_COUNT];
    const char *state_label; /* label naming the state; NULL = the family's own name */
};

const struct expo_format_desc *expo_format_desc(enum expo_format format);

#define EXPO_MAX_FAMILIES 128

struct expo {
    struct strbuf *out;
    const struct expo_format_desc *format;
    char ts_suffix[48]; /* " 1763800000000\n", " 1763800000.5\n" or "\n" */
    size_t ts_len;
    const struct expo_family *family; /* the open family, NULL before the first */
    size_t name_len;                  /* strlen(family->name) */
    const struct expo_family *written[EXPO_MAX_FAMILIES];
    size_t n_written;
    uint64_t n_samples;
    int finished;
    int failed;
    struct errbuf err;
};

/* A label set rendered once, ahead of time: `{device="leaf1",port="Ethernet1"}`.
 * Borrowed: the text lives wherever its builder put it (see expo_labels_append). */
struct expo_labels {
    const char *text; /* "" for no labels */
    size_t len;
};

void expo_init(struct expo *w, struct strbuf *out, enum expo_format format, int64_t timestamp_ms,
               int with_timestamps);

/* Writes the family's metadata lines and opens it for samples. Fails (and marks the writer
 * failed) if the family was already written in this exposition, the name is invalid or
 * does not carry the suffix its type or unit requires. `fam` must outlive the render. */
int expo_begin_family(struct expo *w, const struct expo_family *fam);

/* One sample of the open family: pre-rendered labels, value, timestamp suffix. */
int expo_sample_u64(struct expo *w, const struct expo_labels *labels, uint64_t value);
int expo_sample_double(struct expo *w, const struct expo_labels *labels, double value);
/* One sample of the open stateset family: `labels` plus the state label = states[state];
 * value 1 when state == current, else 0. */
int expo_sample_state(struct expo *w, const struct expo_labels *labels, size_t state,
                      size_t current);

/* Marks the writer failed with "what: name" (the first failure wins); returns -1. For
 * collectors that find they cannot write what they began. */
int expo_fail(struct expo *w, const char *what, const char *name);

/* Ends the exposition (OpenMetrics: "# EOF"). Returns -1 if the writer failed anywhere. */
int expo_finish(struct expo *w);

/* Appends `{n1="v1",n2="v2"}` (escaped values; names are trusted, validated upstream) to
 * sb and returns its length; nothing for n == 0. The caller points an expo_labels at the
 * text once sb stops moving. */
size_t expo_labels_append(struct strbuf *sb, const char *const *names, const char *const *values,
                          size_t n);

/* Fast path for large families: reserve room for a batch of samples of the open family,
 * write them with expo_put_line_u64() through an expo_line, then commit. Returns NULL
 * (writer failed) with no open family, and NULL (buffer overflowed) past the body cap. */
char *expo_reserve(struct expo *w, size_t bytes);
void expo_commit(struct expo *w, char *end, uint64_t n_samples);

/* The constant parts of the open family's sample lines, copied out of the writer so a
 * hot loop keeps them in registers. Longest line = line.fixed_len + labels + 20 digits. */
struct expo_line {
    const char *name;
    size_t name_len;
    const char *ts_suffix;
    size_t ts_len;
    size_t fixed_len; /* name + ' ' + timestamp suffix */
};

static inline struct expo_line expo_line_of(const struct expo *w)
{
    struct expo_line l = {w->family ? w->family->name : "", w->name_len, w->ts_suffix, w->ts_len,
                          0};
    l.fixed_len = l.name_len + 1 + l.ts_len;
    return l;
}

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

/* One whole sample line at p: name, labels, ' ', value, timestamp suffix.
 * (Plain memcpy: hand-rolled short copies measured no faster; the loop is bound by
 * writing tens of MB to memory.) */
static inline char *expo_put_line_u64(const struct expo_line *line, char *p,
                                      const struct expo_labels *labels, uint64_t value)
{
    memcpy(p, line->name, line->name_len);
    p += line->name_len;
    memcpy(p, labels->text, labels->len);
    p += labels->len;
    *p++ = ' ';
    p = expo_put_u64(p, value);
    memcpy(p, line->ts_suffix, line->ts_len);
    return p + line->ts_len;
}

/* Escapers, exposed for tests and for building label sets. */
void expo_escape_label_value(struct strbuf *sb, const char *value);
void expo_escape_help(struct strbuf *sb, const char *help, enum expo_format format);
/* Writes v in decimal; returns the number of bytes (at most 20). */
size_t expo_format_u64(char *dst, uint64_t v);
/* Writes v as Prometheus reads it: NaN, +Inf, -Inf, integers without exponent when exact,
 * otherwise the shortest of %.15g/%.17g that round-trips. Returns bytes (at most 32). */
size_t expo_format_double(char *dst, double v);
int expo_valid_metric_name(const char *name);

#endif /* SWITCHSIM_EXPO_H */
