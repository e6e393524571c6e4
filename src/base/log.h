/* log.h - leveled, structured logging to stderr, in logfmt or JSON.
 *
 * A call names its message and typed fields; the logger escapes every value, so no
 * content (a request path, an error text) can break a line or forge another:
 *
 *     log_info("Listening on", LOG_STR("address", addr));
 *     log_debug("rendered", LOG_U64("tick", tick), LOG_F64("seconds", s));
 *
 * logfmt (the default), as Prometheus and go-kit write it:
 *     ts=2026-11-22T09:14:03.123Z level=info msg="Listening on" address=[::]:19116
 * A value is quoted when it is empty or holds a space, '=', '"', '\\', a control byte or
 * invalid UTF-8; inside quotes \" \\ \n \r \t are escaped, other control bytes (and DEL)
 * become \u00XX and invalid UTF-8 bytes \ufffd. A line never holds a raw newline.
 * JSON: one object per line, {"ts":"...","level":"info","msg":"...", fields...}, with the
 * same string escapes (valid JSON), numbers as JSON numbers (non-finite ones as strings).
 * A string value longer than LOG_VALUE_MAX_BYTES is cut on a UTF-8 boundary and the
 * line ends with the field log_truncated=true: never silently.
 *
 * Keys are string literals of [a-z0-9_.], other than ts, level and msg (JSON objects would
 * repeat a key); any other byte in a key is written as '_'.
 * Thread-safe: each line is formatted apart and written with one fwrite under stdio's
 * lock. Level and format are process-global, set once at start-up before any thread. */
#ifndef SWITCHSIM_LOG_H
#define SWITCHSIM_LOG_H

#include <stdint.h>

#include "base/strbuf.h"

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };
enum log_format { LOG_FORMAT_LOGFMT = 0, LOG_FORMAT_JSON };

/* The names the parsers accept, for help and error texts. */
#define LOG_LEVEL_CHOICES   "debug, info, warn or error"
#define LOG_FORMAT_CHOICES  "logfmt or json"
#define LOG_VALUE_MAX_BYTES 4096

/* Parse "debug", "info", "warn" or "error" / "logfmt" or "json"; -1 for anything else. */
int log_level_parse(const char *name, enum log_level *out);
int log_format_parse(const char *name, enum log_format *out);
void log_set_level(enum log_level level);
void log_set_format(enum log_format format);
int log_enabled(enum log_level level);

enum log_kind {
    LOG_KIND_END = 0,
    LOG_KIND_STR,
    LOG_KIND_U64,
    LOG_KIND_I64,
    LOG_KIND_F64,
    LOG_KIND_BOOL
};

struct log_field {
    const char *key;
    enum log_kind kind;
    union {
        const char *s; /* borrowed; NULL is written as an empty string */
        uint64_t u;
        int64_t i;
        double f;
        int b;
    } v;
};

#define LOG_STR(k, x) ((struct log_field){.key = (k), .kind = LOG_KIND_STR, .v.s = (x)})
#define LOG_U64(k, x) ((struct log_field){.key = (k), .kind = LOG_KIND_U64, .v.u = (uint64_t)(x)})
#define LOG_I64(k, x) ((struct log_field){.key = (k), .kind = LOG_KIND_I64, .v.i = (int64_t)(x)})
/* LOG_F64 writes six significant digits (printf %g): for measurements, not exact values. */
#define LOG_F64(k, x)  ((struct log_field){.key = (k), .kind = LOG_KIND_F64, .v.f = (double)(x)})
#define LOG_BOOL(k, x) ((struct log_field){.key = (k), .kind = LOG_KIND_BOOL, .v.b = (x) != 0})
#define LOG_END        ((struct log_field){.key = NULL, .kind = LOG_KIND_END})

/* Appends one line (with its '\n') to sb. fields ends with LOG_END. ts_ms: ms since the
 * epoch. Used by log_write(); public so tests can check the exact bytes. */
void log_format_line(struct strbuf *sb, enum log_format format, enum log_level level, int64_t ts_ms,
                     const char *msg, const struct log_field *fields);
/* Writes one line to stderr if level is enabled. */
void log_write(enum log_level level, const char *msg, const struct log_field *fields);

/* log_info(msg, fields...): the fields are built only when the level is enabled. */
#define LOG_AT_(level, msg, ...)                                  \
    do {                                                          \
        if (log_enabled(level)) {                                 \
            const struct log_field log_fields_[] = {__VA_ARGS__}; \
            log_write(level, msg, log_fields_);                   \
        }                                                         \
    } while (0)
#define log_error(...) LOG_AT_(LOG_LEVEL_ERROR, __VA_ARGS__, LOG_END)
#define log_warn(...)  LOG_AT_(LOG_LEVEL_WARN, __VA_ARGS__, LOG_END)
#define log_info(...)  LOG_AT_(LOG_LEVEL_INFO, __VA_ARGS__, LOG_END)
#define log_debug(...) LOG_AT_(LOG_LEVEL_DEBUG, __VA_ARGS__, LOG_END)

#endif /* SWITCHSIM_LOG_H */
