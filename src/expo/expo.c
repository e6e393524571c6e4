/* expo.c - exposition writer: text 0.0.4 and OpenMetrics 1.0 (see expo.h). */
#include "expo/expo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

size_t expo_format_u64(char *dst, uint64_t v)
{
    return (size_t)(expo_put_u64(dst, v) - dst);
}

size_t expo_format_double(char *dst, double v)
{
    if (isnan(v)) {
        memcpy(dst, "NaN", 3);
        return 3;
    }
    if (isinf(v)) {
        memcpy(dst, v > 0 ? "+Inf" : "-Inf", 4);
        return 4;
    }
    if (v == floor(v) && fabs(v) < 9007199254740992.0) { /* exact integer below 2^53 */
        if (v < 0) {
            dst[0] = '-';
            return 1 + expo_format_u64(dst + 1, (uint64_t)-v);
        }
        return expo_format_u64(dst, (uint64_t)v);
    }
    /* snprintf is locale-dependent only after setlocale(), which switchsim never calls. */
    char buf[40];
    int n = snprintf(buf, sizeof(buf), "%.15g", v);
    if (strtod(buf, NULL) != v)
        n = snprintf(buf, sizeof(buf), "%.17g", v);
    memcpy(dst, buf, (size_t)n);
    return (size_t)n;
}

int expo_valid_metric_name(const char *name)
{
    if (!*name)
        return 0;
    for (const char *p = name; *p; p++) {
        char ch = *p;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == ':' ||
                 (p != name && ch >= '0' && ch <= '9');
        if (!ok)
            return 0;
    }
    return 1;
}

static void escape(struct strbuf *sb, const char *text, int quotes);

static const struct expo_format_desc formats[EXPO_FORMAT_COUNT] = {
    [EXPO_TEXT_004] =
        {
            .name = "text",
            .content_type = "text/plain; version=0.0.4; charset=utf-8",
            .terminator = "",
            .timestamp_seconds = 0,
            .help_escapes_quotes = 0,
            .declares_base_name = 0,
            .writes_unit = 0,
            .type_names = {"gauge", "counter", "gauge", "gauge"},
            .state_label = "state",
        },
    [EXPO_OPENMETRICS_100] =
        {
            .name = "openmetrics",
            .content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8",
            .terminator = "# EOF\n",
            .timestamp_seconds = 1,
            .help_escapes_quotes = 1,
            .declares_base_name = 1,
            .writes_unit = 1,
            .type_names = {"gauge", "counter", "info", "stateset"},
            .state_label = NULL,
        },
};

const struct expo_format_desc *expo_format_desc(enum expo_format format)
{
    return &formats[format];
}

/* " <ms>\n", " <s>[.fff]\n" or "\n": the same suffix ends every sample line of a render. */
static size_t format_timestamp_suffix(char *dst, int64_t timestamp_ms, int seconds)
{
    size_t n = 0;
    dst[n++] = ' ';
    uint64_t magnitude =
        timestamp_ms < 0 ? (uint64_t)0 - (uint64_t)timestamp_ms : (uint64_t)timestamp_ms;
    if (timestamp_ms < 0)
        dst[n++] = '-';
    if (!seconds) {
        n += expo_format_u64(dst + n, magnitude);
    } else {
        n += expo_format_u64(dst + n, magnitude / 1000);
        unsigned frac = (unsigned)(magnitude % 1000);
        if (frac) {
            dst[n++] = '.';
            dst[n++] = (char)('0' + frac / 100);
            dst[n++] = (char)('0' + frac / 10 % 10);
            dst[n++] = (char)('0' + frac % 10);
            while (dst[n - 1] == '0')
                n--;
        }
    }
    dst[n++] = '\n';
    return n;
}

void expo_init(struct expo *w, struct strbuf *out, enum expo_format format, int64_t timestamp_ms,
               int with_timestamps)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->format = &formats[format];
    if (with_timestamps) {
        w->ts_len =
            format_timestamp_suffix(w->ts_suffix, timestamp_ms, w->format->timestamp_seconds);
    } else {
        w->ts_suffix[0] = '\n';
        w->ts_len = 1;
    }
}

int expo_fail(struct expo *w, const char *what, const char *name)
{
    if (!w->failed)
        errbuf_set(&w->err, "%s: %s", what, name);
    w->failed = 1;
    return -1;
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len > n && memcmp(s + len - n, suffix, n) == 0;
}

/* Length of the family's name without the suffix its type adds to samples. */
static size_t base_name_len(const struct expo_family *fam, size_t name_len)
{
    if (fam->type == METRIC_COUNTER)
        return name_len - strlen("_total");
    if (fam->type == METRIC_INFO)
        return name_len - strlen("_info");
    return name_len;
}

static int check_family(struct expo *w, const struct expo_family *fam, size_t name_len)
{
    if (!expo_valid_metric_name(fam->name))
        return expo_fail(w, "invalid metric name", fam->name);
    if (fam->type == METRIC_COUNTER && !ends_with(fam->name, name_len, "_total"))
        return expo_fail(w, "counter name must end in _total", fam->name);
    if (fam->type == METRIC_INFO && !ends_with(fam->name, name_len, "_info"))
        return expo_fail(w, "info name must end in _info", fam->name);
    if (fam->type == METRIC_STATESET && fam->n_states == 0)
        return expo_fail(w, "stateset without states", fam->name);
    if (fam->unit[0]) {
        size_t base = base_name_len(fam, name_len);
        size_t unit_len = strlen(fam->unit);
        if (base <= unit_len + 1 || fam->name[base - unit_len - 1] != '_' ||
            memcmp(fam->name + base - unit_len, fam->unit, unit_len) != 0)
            return expo_fail(w, "metric name must end in its unit", fam->name);
    }
    if (w->finished)
        return expo_fail(w, "metric family begun after the end of the exposition", fam->name);
    for (size_t i = 0; i < w->n_written; i++)
        if (strcmp(w->written[i]->name, fam->name) == 0)
            return expo_fail(w, "metric family written twice in one exposition", fam->name);
    if (w->n_written == EXPO_MAX_FAMILIES)
        return expo_fail(w, "too many metric families", fam->name);
    return 0;
}

static void metadata_line(struct expo *w, const char *kind, const char *name, size_t name_len)
{
    strbuf_puts(w->out, kind);
    strbuf_append(w->out, name, name_len);
    strbuf_putc(w->out, ' ');
}

int expo_begin_family(struct expo *w, const struct expo_family *fam)
{
    size_t name_len = strlen(fam->name);
    if (check_family(w, fam, name_len) < 0)
        return -1;
    w->written[w->n_written++] = fam;
    w->family = fam;
    w->name_len = name_len;
    const struct expo_format_desc *f = w->format;
    size_t decl_len = f->declares_base_name ? base_name_len(fam, name_len) : name_len;
    metadata_line(w, "# HELP ", fam->name, decl_len);
    escape(w->out, fam->help, f->help_escapes_quotes);
    strbuf_putc(w->out, '\n');
    metadata_line(w, "# TYPE ", fam->name, decl_len);
    strbuf_puts(w->out, f->type_names[fam->type]);
    strbuf_putc(w->out, '\n');
    if (f->writes_unit && fam->unit[0]) {
        metadata_line(w, "# UNIT ", fam->name, decl_len);
        strbuf_puts(w->out, fam->unit);
        strbuf_putc(w->out, '\n');
    }
    return 0;
}

int expo_sample_u64(struct expo *w, const struct expo_labels *labels, uint64_t value)
{
    struct expo_line line = expo_line_of(w);
    char *p = expo_reserve(w, line.fixed_len + labels->len + 20);
    if (!p)
        return -1;
    expo_commit(w, expo_put_line_u64(&line, p, labels, value), 1);
    return 0;
}

int expo_sample_double(struct expo *w, const struct expo_labels *labels, double value)
{
    struct expo_line line = expo_line_of(w);
    char *p = expo_reserve(w, line.fixed_len + labels->len + 32);
    if (!p)
        return -1;
    memcpy(p, line.name, line.name_len);
    p += line.name_len;
    memcpy(p, labels->text, labels->len);
    p += labels->len;
    *p++ = ' ';
    p += expo_format_double(p, value);
    memcpy(p, line.ts_suffix, line.ts_len);
    expo_commit(w, p + line.ts_len, 1);
    return 0;
}

int expo_sample_state(struct expo *w, const struct expo_labels *labels, size_t state,
                      size_t current)
{
    if (w->family && (w->family->type != METRIC_STATESET || state >= w->family->n_states))
        return expo_fail(w, "state sample outside a stateset's states", w->family->name);
    struct expo_line line = expo_line_of(w);
    const char *label = w->format->state_label ? w->format->state_label : line.name;
    const char *name = w->family ? w->family->state_names[state] : "";
    size_t label_len = strlen(label), name_len = strlen(name);
    char *p = expo_reserve(w, line.fixed_len + labels->len + label_len + name_len + 8);
    if (!p)
        return -1;
    memcpy(p, line.name, line.name_len);
    p += line.name_len;
    if (labels->len) { /* `{a="b"}` -> `{a="b",` */
        memcpy(p, labels->text, labels->len - 1);
        p += labels->len - 1;
        *p++ = ',';
    } else {
        *p++ = '{';
    }
    memcpy(p, label, label_len);
    p += label_len;
    *p++ = '=';
    *p++ = '"';
    memcpy(p, name, name_len);
    p += name_len;
    memcpy(p, "\"} ", 3);
    p += 3;
    *p++ = state == current ? '1' : '0';
    memcpy(p, line.ts_suffix, line.ts_len);
    expo_commit(w, p + line.ts_len, 1);
    return 0;
}

int expo_finish(struct expo *w)
{
    if (!w->finished && !w->failed)
        strbuf_puts(w->out, w->format->terminator);
    w->finished = 1;
    return w->failed ? -1 : 0;
}

/* The escapings differ only in quotes: label values escape them, and so does HELP in
 * OpenMetrics; 0.0.4's HELP must not (a \" there is an invalid escape). */
static void escape(struct strbuf *sb, const char *text, int quotes)
{
    for (const char *p = text; *p; p++) {
        if (*p == '\\')
            strbuf_append(sb, "\\\\", 2);
        else if (*p == '\n')
            strbuf_append(sb, "\\n", 2);
        else if (*p == '"' && quotes)
            strbuf_append(sb, "\\\"", 2);
        else
            strbuf_putc(sb, *p);
    }
}

void expo_escape_label_value(struct strbuf *sb, const char *value)
{
    escape(sb, value, 1);
}

void expo_escape_help(struct strbuf *sb, const char *help, enum expo_format format)
{
    escape(sb, help, formats[format].help_escapes_quotes);
}

size_t expo_labels_append(struct strbuf *sb, const char *const *names, const char *const *values,
                          size_t n)
{
    size_t start = sb->len;
    if (n) {
        strbuf_putc(sb, '{');
        for (size_t i = 0; i < n; i++) {
            if (i)
                strbuf_putc(sb, ',');
            strbuf_puts(sb, names[i]);
            strbuf_append(sb, "=\"", 2);
            expo_escape_label_value(sb, values[i]);
            strbuf_putc(sb, '"');
        }
        strbuf_putc(sb, '}');
    }
    return sb->len - start;
}

char *expo_reserve(struct expo *w, size_t bytes)
{
    if (!w->family || w->finished) {
        expo_fail(w, "sample written outside a metric family",
                  w->finished ? "after the end of the exposition" : "before any family");
        return NULL;
    }
    return strbuf_grow(w->out, bytes);
}

void expo_commit(struct expo *w, char *end, uint64_t n_samples)
{
    *end = '\0'; /* strbuf_grow reserved room for the terminator */
    w->out->len = (size_t)(end - w->out->data);
    w->n_samples += n_samples;
}
