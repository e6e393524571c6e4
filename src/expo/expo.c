/* expo.c - Prometheus text exposition format 0.0.4 writer. */
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

void expo_init(struct expo *w, struct strbuf *out, int64_t timestamp_ms, int with_timestamps)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    if (with_timestamps) {
        w->ts_suffix[0] = ' ';
        size_t n = 1;
        if (timestamp_ms < 0) {
            w->ts_suffix[n++] = '-';
            n += expo_format_u64(w->ts_suffix + n, (uint64_t)(-timestamp_ms));
        } else {
            n += expo_format_u64(w->ts_suffix + n, (uint64_t)timestamp_ms);
        }
        w->ts_suffix[n++] = '\n';
        w->ts_len = n;
    } else {
        w->ts_suffix[0] = '\n';
        w->ts_len = 1;
    }
}

static int writer_fail(struct expo *w, const char *what, const char *name)
{
    if (!w->failed)
        errbuf_set(&w->err, "%s: %s", what, name);
    w->failed = 1;
    return -1;
}

int expo_family(struct expo *w, const char *name, const char *help, enum metric_type type)
{
    static const char *const type_names[] = {"gauge", "counter", "untyped"};
    if (!expo_valid_metric_name(name))
        return writer_fail(w, "invalid metric name", name);
    for (size_t i = 0; i < w->n_families; i++)
        if (strcmp(w->families[i], name) == 0)
            return writer_fail(w, "metric family written twice in one exposition", name);
    if (w->n_families == EXPO_MAX_FAMILIES)
        return writer_fail(w, "too many metric families", name);
    w->families[w->n_families++] = name;
    strbuf_puts(w->out, "# HELP ");
    strbuf_puts(w->out, name);
    strbuf_putc(w->out, ' ');
    expo_escape_help(w->out, help);
    strbuf_puts(w->out, "\n# TYPE ");
    strbuf_puts(w->out, name);
    strbuf_putc(w->out, ' ');
    strbuf_puts(w->out, type_names[type]);
    strbuf_putc(w->out, '\n');
    return 0;
}

void expo_sample_u64(struct expo *w, const char *name, size_t name_len,
                     const struct expo_labels *labels, uint64_t value)
{
    char *p = expo_reserve(w, name_len + labels->len + 1 + 20 + w->ts_len);
    if (p)
        expo_commit(w, expo_put_sample_u64(w, p, name, name_len, labels, value), 1);
}

void expo_sample_double(struct expo *w, const char *name, size_t name_len,
                        const struct expo_labels *labels, double value)
{
    char *p = expo_reserve(w, name_len + labels->len + 1 + 32 + w->ts_len);
    if (!p)
        return;
    memcpy(p, name, name_len);
    p += name_len;
    memcpy(p, labels->text, labels->len);
    p += labels->len;
    *p++ = ' ';
    p += expo_format_double(p, value);
    memcpy(p, w->ts_suffix, w->ts_len);
    expo_commit(w, p + w->ts_len, 1);
}

/* The two escapings differ only in quotes: label values escape them, HELP must not
 * (a \" in HELP is an invalid escape in 0.0.4). */
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

void expo_escape_help(struct strbuf *sb, const char *help)
{
    escape(sb, help, 0);
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
    return strbuf_grow(w->out, bytes);
}

void expo_commit(struct expo *w, char *end, uint64_t n_samples)
{
    *end = '\0'; /* strbuf_grow reserved room for the terminator */
    w->out->len = (size_t)(end - w->out->data);
    w->n_samples += n_samples;
}
