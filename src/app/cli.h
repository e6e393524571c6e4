/* cli.h - command-line flags -> struct options.
 *
 * Every flag is one row of one table (cli.c): long name, short name, argument name,
 * default, help text and the function that applies it. getopt_long's option array, the
 * short-option string and the usage text are generated from that table; a unit test
 * checks README.md's flag table against it.
 *
 * Pure parsing: no I/O except cli_usage(). Exit-code policy lives in main.c:
 * 0 success, 1 runtime failure (e.g. port in use), 2 bad flag or bad profile. */
#ifndef SWITCHSIM_CLI_H
#define SWITCHSIM_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/errbuf.h"
#include "base/log.h"
#include "model/shard.h"
#include "serve/remote_write.h"
#include "web/http.h"

#define CLI_DEFAULT_PORT 19116
#define CLI_MAX_PROFILES 64
#define CLI_MAX_LABELS   16

struct options {
    const char *profiles[CLI_MAX_PROFILES]; /* borrowed from argv */
    size_t n_profiles;
    char listen_host[256]; /* "" = all interfaces */
    uint16_t listen_port;
    int port_override; /* -p N, applied over listen_port after parsing; -1 = not given */
    uint64_t seed;
    int seed_set;
    int64_t start_ms; /* simulation start, ms since the epoch */
    int start_set;
    int timestamps;                           /* 1 unless --no-timestamps */
    uint64_t families;                        /* catalog rows to expose (metrics/catalog.h) */
    struct http_limits http_limits;           /* --web.* limits (web/http.h) */
    int enable_lifecycle;                     /* POST /-/reload */
    int enable_admin_api;                     /* the fault API, /api/v1/ */
    const char *sd_address;                   /* --web.sd-address; NULL = each request's Host */
    const char *web_config_file;              /* --web.config.file; NULL = plain HTTP, no auth */
    struct shard_spec shard;                  /* --shard I/N; {0, 1}: every device */
    struct remote_write_options remote_write; /* --remote-write.*; url NULL: off */
    int check_config;
    int backfill;       /* the `backfill` subcommand (app/backfill.c) */
    const char *from;   /* backfill --from, --to: RFC 3339, Unix seconds, "now" or "-2h" */
    const char *to;     /* (resolved against the clock by backfill, not here) */
    uint64_t step_ms;   /* backfill --step; 0 = the profile's tick */
    const char *output; /* backfill -o FILE, "-" for stdout */
    const char *labels[CLI_MAX_LABELS]; /* backfill --label NAME=VALUE, borrowed from argv */
    size_t n_labels;
    enum log_level log_level;
    enum log_format log_format;
    int show_help;
    int show_version;
};

/* One row of the flag table. */
struct cli_flag {
    const char *name;         /* long name without the leading "--" */
    char short_name;          /* 0 = none */
    const char *arg;          /* argument name shown in usage; NULL = the flag takes none */
    const char *default_arg;  /* passed to apply() before parsing and shown; NULL = none */
    const char *default_note; /* shown as the default when default_arg is NULL; NULL = none */
    const char *help;         /* one sentence, no trailing period */
    /* Applies the flag (arg is NULL for flags without argument); -1 with err on a bad value. */
    int (*apply)(struct options *o, const char *arg, struct errbuf *err);
};

/* The table, in usage order; *count_out receives the number of rows. Static storage. */
const struct cli_flag *cli_flags(size_t *count_out);

/* Returns 0, or -1 with err saying which flag is wrong and why. */
int cli_parse(int argc, char **argv, struct options *out, struct errbuf *err);
/* backfill's --from/--to: cli_parse_time_ms's forms, "now", or "-DURATION" before now_ms.
 * flag names the flag in err. */
int cli_parse_when_ms(const char *flag, const char *text, int64_t now_ms, int64_t *out_ms,
                      struct errbuf *err);
/* Checks what needs the clock: --start-time must not be after now_ms (ms since the epoch).
 * Returns 0, or -1 with err. Run by the normal start and by --check-config alike. */
int cli_validate(const struct options *o, int64_t now_ms, struct errbuf *err);
void cli_usage(FILE *to);

/* "HOST:PORT", ":PORT", "[v6addr]:PORT". */
int cli_parse_listen_address(const char *text, char *host, size_t host_bytes, uint16_t *port,
                             struct errbuf *err);
/* The inverse: "HOST:PORT", "[IPV6]:PORT" for a host with a ':', ":PORT" for "" (all
 * interfaces). Truncates to out_bytes - 1 only if out_bytes < CLI_ADDRESS_BYTES. */
#define CLI_ADDRESS_BYTES 272
void cli_format_listen_address(const char *host, uint16_t port, char *out, size_t out_bytes);
/* RFC 3339 UTC ("2026-11-22T08:00:00Z", optional .fff) or Unix seconds ("1763798400"),
 * not before 1970. Rejects impossible dates (2026-02-31, 2025-02-29) and second 60: Unix
 * time cannot represent a leap second. */
int cli_parse_time_ms(const char *text, int64_t *out_ms, struct errbuf *err);

#endif /* SWITCHSIM_CLI_H */
