/* log.c - leveled, structured logging to stderr in logfmt or JSON (contract in log.h). */
#include "base/log.h"

#include "base/json.h"
#include "base/utf8.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* A line's hard cap: LOG_VALUE_MAX_BYTES per value escapes to at most 6x; a few fields. */
#define LOG_LINE_MAX_BYTES (256 * 1024)

static volatile enum log_level current_level = LOG_LEVEL_INFO;
static volatile enum log_format current_format = LOG_FORMAT_LOGFMT;

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static const char *const format_names[] = {"logfmt", "json"};

int log_level_parse(const char *name, enum log_level *out)
{
    for (int i = 0; i <= (int)LOG_LEVEL_DEBUG; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

int log_format_parse(const char *name, enum log_format *out)
{
    for (int i = 0; i <= (int)LOG_FORMAT_JSON; i++) {
        if (strcmp(name, format_names[i]) == 0) {
            *out = (enum log_format)i;
            return 0;
        }
    }
    return -1;
}

void log_set_level(enum log_level level)
{
    current_level = level;
}

void log_set_format(enum log_format format)
{
    current_format = format;
}

int log_enabled(enum log_level level)
{
    return level <= current_level;
}

static int needs_quotes(const char *s, size_t n)
{
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == '=' || c == '"' || c == '\\' || c == 0x7F)
            return 1;
        if (c >= 0x80) {
            size_t len = utf8_char_len((const unsigned char *)s + i, n - i);
            if (len == 0)
                return 1;
            i += len - 1;
        }
    }
    return 0;
}

/* At most max bytes of s, cut back to a UTF-8 boundary. */
static size_t cut_utf8(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    return cut;
}

static void put_key(struct strbuf *sb, const char *key, enum log_format format)
{
    if (format == LOG_FORMAT_JSON)
        strbuf_putc(sb, '"');
    for (const char *k = key; *k; k++) {
        char c = *k;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == '-';
        strbuf_putc(sb, ok ? c : '_');
    }
    strbuf_puts(sb, format == LOG_FORMAT_JSON ? "\":" : "=");
}

/* Six significant digits (%g): F64 fields are measurements; exact counts use LOG_U64. */
static void put_f64(struct strbuf *sb, double v, enum log_format format)
{
    if (!isfinite(v)) {
        const char *text = isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
        if (format == LOG_FORMAT_JSON)
            json_put_string(sb, text, strlen(text));
        else
            strbuf_puts(sb, text);
        return;
    }
    strbuf_appendf(sb, "%g", v);
}

/* Writes the value; returns 1 if it was cut at LOG_VALUE_MAX_BYTES. */
static int put_value(struct strbuf *sb, const struct log_field *f, enum log_format format)
{
    switch (f->kind) {
    case LOG_KIND_STR: {
        const char *s = f->v.s ? f->v.s : "";
        size_t n = strlen(s);
        size_t shown = cut_utf8(s, n, LOG_VALUE_MAX_BYTES);
        if (format == LOG_FORMAT_JSON || needs_quotes(s, shown))
            json_put_string(sb, s, shown);
        else
            strbuf_append(sb, s, shown);
        return shown < n;
    }
    case LOG_KIND_U64:
        strbuf_appendf(sb, "%" PRIu64, f->v.u);
        return 0;
    case LOG_KIND_I64:
        strbuf_appendf(sb, "%" PRId64, f->v.i);
        return 0;
    case LOG_KIND_F64:
        put_f64(sb, f->v.f, format);
        return 0;
    case LOG_KIND_BOOL:
        strbuf_puts(sb, f->v.b ? "true" : "false");
        return 0;
    case LOG_KIND_END:
        break;
    }
    return 0;
}

static void put_field(struct strbuf *sb, enum log_format format, const struct log_field *f,
                      int *truncated)
{
    strbuf_putc(sb, format == LOG_FORMAT_JSON ? ',' : ' ');
    put_key(sb, f->key, format);
    if (put_value(sb, f, format))
        *truncated = 1;
}

void log_format_line(struct strbuf *sb, enum log_format format, enum log_level level, int64_t ts_ms,
                     const char *msg, const struct log_field *fields)
{
    time_t secs = (time_t)(ts_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char ts[40];
    size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof(ts) - n, ".%03dZ", (int)(ts_ms % 1000));
    int truncated = 0;
    const struct log_field head[] = {LOG_STR("ts", ts), LOG_STR("level", level_names[level]),
                                     LOG_STR("msg", msg)};
    if (format == LOG_FORMAT_JSON)
        strbuf_putc(sb, '{');
    for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++) {
        if (i == 0) { /* no separator before the first field */
            put_key(sb, head[i].key, format);
            put_value(sb, &head[i], format);
        } else {
            put_field(sb, format, &head[i], &truncated);
        }
    }
    for (const struct log_field *f = fields; f && f->kind != LOG_KIND_END; f++)
        put_field(sb, format, f, &truncated);
    if (truncated) {
        const struct log_field mark = LOG_BOOL("log_truncated", 1);
        put_field(sb, format, &mark, &truncated);
    }
    strbuf_puts(sb, format == LOG_FORMAT_JSON ? "}\n" : "\n");
}

void log_write(enum log_level level, const char *msg, const struct log_field *fields)
{
    if (!log_enabled(level))
        return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t ts_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    struct strbuf sb;
    strbuf_init(&sb, 256, LOG_LINE_MAX_BYTES);
    log_format_line(&sb, current_format, level, ts_ms, msg, fields);
    if (sb.overflow) { /* more fields than a line holds: say so rather than cut a line */
        strbuf_reset(&sb);
        const struct log_field none[] = {LOG_BOOL("log_truncated", 1), LOG_END};
        log_format_line(&sb, current_format, level, ts_ms, msg, none);
    }
    flockfile(stderr);
    fwrite(sb.data, 1, sb.len, stderr);
    funlockfile(stderr);
    strbuf_cleanup(&sb);
}
