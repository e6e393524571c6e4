/* log.h - leveled logfmt logging to stderr.
 *
 * Lines look like Prometheus' own: `ts=2026-11-22T09:14:03.123Z level=info msg="..."`.
 * Thread-safe: each line is written with a single fputs under stdio's lock.
 * The level is process-global and set once at start-up from --log.level. */
#ifndef SWITCHSIM_LOG_H
#define SWITCHSIM_LOG_H

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* The names log_level_parse() accepts, for help and error texts. */
#define LOG_LEVEL_CHOICES "debug, info, warn or error"

/* Parses "debug", "info", "warn" or "error"; returns -1 for anything else. */
int log_level_parse(const char *name, enum log_level *out);
void log_set_level(enum log_level level);
int log_enabled(enum log_level level);

/* msg is written quoted and escaped; fmt_kv (may be NULL) adds raw `key=value` pairs. */
void log_msg(enum log_level level, const char *msg, const char *fmt_kv, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(msg, ...) log_msg(LOG_LEVEL_ERROR, msg, __VA_ARGS__)
#define log_warn(msg, ...)  log_msg(LOG_LEVEL_WARN, msg, __VA_ARGS__)
#define log_info(msg, ...)  log_msg(LOG_LEVEL_INFO, msg, __VA_ARGS__)
#define log_debug(msg, ...) log_msg(LOG_LEVEL_DEBUG, msg, __VA_ARGS__)

#endif /* SWITCHSIM_LOG_H */
