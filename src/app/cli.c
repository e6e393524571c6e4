/* cli.c - the flag table, and getopt_long's array, short options and usage made from it. */
#include "app/cli.h"

#include <ctype.h>
#include <getopt.h>
#include <stdbool.h>
#include <string.h>

#include "base/units.h"
#include "metrics/catalog.h"

int cli_parse_listen_address(const char *text, char *host, size_t host_bytes, uint16_t *port,
                             struct errbuf *err)
{
    const char *colon = NULL;
    const char *h = text;
    size_t hlen = 0;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':')
            return errbuf_set(err, "--web.listen-address: expected [IPV6]:PORT, got \"%s\"", text);
        h = text + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon)
            return errbuf_set(err, "--web.listen-address: expected HOST:PORT or :PORT, got \"%s\"",
                              text);
        hlen = (size_t)(colon - text);
    }
    if (hlen >= host_bytes)
        return errbuf_set(err, "--web.listen-address: host is too long");
    uint64_t p = 0;
    if (units_parse_u64(colon + 1, &p, NULL) < 0 || p > 65535)
        return errbuf_set(err, "--web.listen-address: port must be 0-65535, got \"%s\"", colon + 1);
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (uint16_t)p;
    return 0;
}

void cli_format_listen_address(const char *host, uint16_t port, char *out, size_t out_bytes)
{
    int v6 = strchr(host, ':') != NULL;
    snprintf(out, out_bytes, "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", (unsigned)port);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int is_leap_year(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap_year(y) ? 29 : days[m - 1];
}

static int digits(const char *s, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int cli_parse_time_ms(const char *text, int64_t *out_ms, struct errbuf *err)
{
    uint64_t secs = 0;
    if (units_parse_u64(text, &secs, NULL) == 0) {
        if (secs > 253402300799ULL)
            return errbuf_set(err, "--start-time: %s is too far in the future", text);
        *out_ms = (int64_t)secs * 1000;
        return 0;
    }
    unsigned y, mo, d, h, mi, s, ms = 0;
    const char *t = text;
    if (strlen(t) < 20 || digits(t, 4, &y) || t[4] != '-' || digits(t + 5, 2, &mo) || t[7] != '-' ||
        digits(t + 8, 2, &d) || (t[10] != 'T' && t[10] != 't') || digits(t + 11, 2, &h) ||
        t[13] != ':' || digits(t + 14, 2, &mi) || t[16] != ':' || digits(t + 17, 2, &s))
        goto bad;
    t += 19;
    if (*t == '.') {
        unsigned frac = 0;
        int n = 0;
        for (t++; isdigit((unsigned char)*t); t++, n++)
            if (n < 3)
                frac = frac * 10 + (unsigned)(*t - '0');
        if (n == 0)
            goto bad;
        for (; n < 3; n++)
            frac *= 10;
        ms = frac;
    }
    if (strcmp(t, "Z") != 0 && strcmp(t, "z") != 0)
        goto bad;
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60)
        goto bad;
    if (d > days_in_month(y, mo))
        return errbuf_set(err, "--start-time: %.10s is not a date (%04u-%02u has %u days)", text, y,
                          mo, days_in_month(y, mo));
    /* Unix time has no leap second: 23:59:60 would silently become the next day's 00:00:00. */
    if (s == 60)
        return errbuf_set(err,
                          "--start-time: second 60 (a leap second) has no Unix time; use :59 "
                          "or the next minute, got \"%s\"",
                          text);
    if (y < 1970)
        return errbuf_set(err, "--start-time: %s is before 1970-01-01", text);
    *out_ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000 + ms;
    return 0;
bad:
    return errbuf_set(err,
                      "--start-time: expected RFC 3339 UTC such as 2026-11-22T08:00:00Z or Unix "
                      "seconds, got \"%s\"",
                      text);
}

/* ---- apply functions, one per flag ------------------------------------------------------ */

static int apply_profile(struct options *o, const char *arg, struct errbuf *err)
{
    if (o->n_profiles == CLI_MAX_PROFILES)
        return errbuf_set(err, "--profile: at most %d profiles", CLI_MAX_PROFILES);
    o->profiles[o->n_profiles++] = arg;
    return 0;
}

static int apply_port(struct options *o, const char *arg, struct errbuf *err)
{
    uint64_t n = 0;
    if (units_parse_u64(arg, &n, NULL) < 0 || n > 65535)
        return errbuf_set(err, "--port: expected a port number 0-65535, got \"%s\"", arg);
    o->port_override = (int)n;
    return 0;
}

static int apply_listen(struct options *o, const char *arg, struct errbuf *err)
{
    return cli_parse_listen_address(arg, o->listen_host, sizeof(o->listen_host), &o->listen_port,
                                    err);
}

static int apply_admin_api(struct options *o, const char *arg, struct errbuf *err)
{
    (void)arg;
    (void)err;
    o->enable_admin_api = 1;
    return 0;
}

static int apply_lifecycle(struct options *o, const char *arg, struct errbuf *err)
{
    (void)arg;
    (void)err;
    o->enable_lifecycle = 1;
    return 0;
}

static int apply_sd_address(struct options *o, const char *arg, struct errbuf *err)
{
    char host[256] = "";
    uint16_t port = 0;
    if (cli_parse_listen_address(arg, host, sizeof(host), &port, err) < 0 || !*host)
        return errbuf_set(err, "--web.sd-address: expected HOST:PORT, got \"%s\"", arg);
    o->sd_address = arg;
    return 0;
}

static int apply_web_config(struct options *o, const char *arg, struct errbuf *err)
{
    (void)err;
    o->web_config_file = arg;
    return 0;
}

static int apply_shard(struct options *o, const char *arg, struct errbuf *err)
{
    return shard_parse(arg, &o->shard, err);
}

static int apply_rw_url(struct options *o, const char *arg, struct errbuf *err)
{
    (void)err;
    o->remote_write.url = arg;
    return 0;
}

static int apply_rw_interval(struct options *o, const char *arg, struct errbuf *err)
{
    if (units_parse_duration_ms(arg, &o->remote_write.interval_ms, NULL) < 0)
        return errbuf_set(
            err, "--remote-write.interval: expected a duration such as 15s, got \"%s\"", arg);
    return 0;
}

static int apply_rw_user(struct options *o, const char *arg, struct errbuf *err)
{
    (void)err;
    o->remote_write.user = arg;
    return 0;
}

static int apply_rw_password_file(struct options *o, const char *arg, struct errbuf *err)
{
    (void)err;
    o->remote_write.password_file = arg;
    return 0;
}

static int apply_rw_bearer_file(struct options *o, const char *arg, struct errbuf *err)
{
    (void)err;
    o->remote_write.bearer_token_file = arg;
    return 0;
}

static int apply_rw_header(struct options *o, const char *arg, struct errbuf *err)
{
    if (o->remote_write.n_headers == REMOTE_WRITE_MAX_HEADERS)
        return errbuf_set(err, "--remote-write.header: at most %d", REMOTE_WRITE_MAX_HEADERS);
    o->remote_write.headers[o->remote_write.n_headers++] = arg;
    return 0;
}

static int apply_rw_ca_file(struct options *o, const char *arg, struct errbuf *err)
{
    (void)err;
    o->remote_write.ca_file = arg;
    return 0;
}

static int apply_rw_insecure(struct options *o, const char *arg, struct errbuf *err)
{
    (void)arg;
    (void)err;
    o->remote_write.insecure_skip_verify = 1;
    return 0;
}

static int apply_rw_queue(struct options *o, const char *arg, struct errbuf *err)
{
    if (units_parse_u64(arg, &o->remote_write.queue_samples, NULL) < 0)
        return errbuf_set(err, "--remote-write.queue-samples: expected an integer, got \"%s\"",
                          arg);
    return 0;
}

static int apply_rw_timeout(struct options *o, const char *arg, struct errbuf *err)
{
    if (units_parse_duration_ms(arg, &o->remote_write.timeout_ms, NULL) < 0 ||
        o->remote_write.timeout_ms == 0)
        return errbuf_set(err, "--remote-write.timeout: expected a positive duration, got \"%s\"",
                          arg);
    return 0;
}

static int apply_seed(struct options *o, const char *arg, struct errbuf *err)
{
    if (units_parse_u64(arg, &o->seed, NULL) < 0)
        return errbuf_set(err, "--seed: expected a non-negative integer, got \"%s\"", arg);
    o->seed_set = 1;
    return 0;
}

static int apply_start(struct options *o, const char *arg, struct errbuf *err)
{
    if (cli_parse_time_ms(arg, &o->start_ms, err) < 0)
        return -1;
    o->start_set = 1;
    return 0;
}

static int apply_no_timestamps(struct options *o, const char *arg, struct errbuf *err)
{
    (void)arg;
    (void)err;
    o->timestamps = 0;
    return 0;
}

static int apply_families(struct options *o, const char *arg, struct errbuf *err)
{
    return catalog_select(arg, SCOPE_PORT, "--metrics.port-families", &o->families, err);
}

static int apply_check(struct options *o, const char *arg, struct errbuf *err)
{
    (void)arg;
    (void)err;
    o->check_config = 1;
    return 0;
}

static int apply_from(struct options *o, const char *arg, struct errbuf *err)
{
    (void)err;
    o->from = arg;
    return 0;
}

static int apply_to(struct options *o, const char *arg, struct errbuf *err)
{
    (void)err;
    o->to = arg;
    return 0;
}

static int apply_step(struct options *o, const char *arg, struct errbuf *err)
{
    if (units_parse_duration_ms(arg, &o->step_ms, NULL) < 0 || o->step_ms == 0)
        return errbuf_set(err, "--step: expected a positive duration such as 15s, got \"%s\"", arg);
    return 0;
}

static int apply_output(struct options *o, const char *arg, struct errbuf *err)
{
    (void)err;
    o->output = arg;
    return 0;
}

static int apply_label(struct options *o, const char *arg, struct errbuf *err)
{
    const char *eq = strchr(arg, '=');
    int ok = eq && eq > arg && (isalpha((unsigned char)arg[0]) || arg[0] == '_');
    for (const char *p = arg; ok && p < eq; p++)
        ok = isalnum((unsigned char)*p) || *p == '_';
    if (!ok || strncmp(arg, "__", 2) == 0)
        return errbuf_set(err, "--label: expected NAME=VALUE with a label name, got \"%s\"", arg);
    if (o->n_labels == CLI_MAX_LABELS)
        return errbuf_set(err, "--label: at most %d labels", CLI_MAX_LABELS);
    o->labels[o->n_labels++] = arg;
    return 0;
}

static int apply_log_level(struct options *o, const char *arg, struct errbuf *err)
{
    if (log_level_parse(arg, &o->log_level) < 0)
        return errbuf_set(err, "--log.level: expected %s, got \"%s\"", LOG_LEVEL_CHOICES, arg);
    return 0;
}

static int apply_log_format(struct options *o, const char *arg, struct errbuf *err)
{
    if (log_format_parse(arg, &o->log_format) < 0)
        return errbuf_set(err, "--log.format: expected %s, got \"%s\"", LOG_FORMAT_CHOICES, arg);
    return 0;
}

static int apply_version(struct options *o, const char *arg, struct errbuf *err)
{
    (void)arg;
    (void)err;
    o->show_version = 1;
    return 0;
}

static int apply_help(struct options *o, const char *arg, struct errbuf *err)
{
    (void)arg;
    (void)err;
    o->show_help = 1;
    return 0;
}

/* One apply function per HTTP limit, generated from HTTP_LIMITS (web/http.h). */
#define HTTP_LIMIT_APPLY(field, flag, kind, def, def_text, help)                     \
    static int apply_##field(struct options *o, const char *arg, struct errbuf *err) \
    {                                                                                \
        return http_limit_parse(kind, flag, arg, &o->http_limits.field, err);        \
    }
HTTP_LIMITS(HTTP_LIMIT_APPLY)
#undef HTTP_LIMIT_APPLY

#define ARG_NAME_HTTP_LIMIT_NUMBER   "N"
#define ARG_NAME_HTTP_LIMIT_DURATION "DURATION"
#define ARG_NAME_HTTP_LIMIT_SIZE     "SIZE"

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)

/* The one definition of every flag. README.md's flag table is checked against it. */
static const struct cli_flag flags[] = {
    {"profile", 0, "PATH", NULL, "the installed profiles/default.yaml",
     "profile file, or directory of *.yaml (repeatable)", apply_profile},
    {"port", 'p', "N", NULL, "the port of --web.listen-address",
     "port to listen on; overrides the port of --web.listen-address, 0 picks a free one",
     apply_port},
    {"web.listen-address", 0, "ADDR", ":" STRINGIFY(CLI_DEFAULT_PORT), NULL,
     "HOST:PORT, [IPV6]:PORT, or :PORT for all interfaces", apply_listen},
    {"web.config.file", 0, "FILE", NULL, "none: plain HTTP, no authentication",
     "TLS and basic authentication, in the Prometheus exporter-toolkit format", apply_web_config},
    {"web.enable-admin-api", 0, NULL, NULL, NULL,
     "the fault API under /api/v1/ (docs/INCIDENTS.md); behind --web.config.file's auth",
     apply_admin_api},
    {"web.enable-lifecycle", 0, NULL, NULL, NULL,
     "reload the profiles on POST or PUT /-/reload (SIGHUP always does)", apply_lifecycle},
    {"web.sd-address", 0, "ADDR", NULL, "the Host of each /sd request",
     "HOST:PORT that /sd tells Prometheus to scrape (e.g. a compose service name)",
     apply_sd_address},
    {"shard", 0, "I/N", "0/1", NULL,
     "serve only shard I (from 0) of N: the devices rendezvous hashing of their names gives it",
     apply_shard},
    {"remote-write.url", 0, "URL", NULL, "off",
     "push every sample of each tick to this Prometheus remote-write (v1) endpoint", apply_rw_url},
    {"remote-write.interval", 0, "DURATION", NULL, "every tick",
     "push the current tick at this interval instead, a multiple of the tick", apply_rw_interval},
    {"remote-write.basic-auth-user", 0, "USER", NULL, NULL,
     "remote write: basic auth user, with --remote-write.basic-auth-password-file", apply_rw_user},
    {"remote-write.basic-auth-password-file", 0, "FILE", NULL, NULL,
     "remote write: file holding the basic auth password", apply_rw_password_file},
    {"remote-write.bearer-token-file", 0, "FILE", NULL, NULL,
     "remote write: file holding a bearer token for the Authorization header",
     apply_rw_bearer_file},
    {"remote-write.header", 0, "HEADER", NULL, NULL,
     "remote write: extra HTTP header, e.g. X-Scope-OrgID for a tenant (repeatable)",
     apply_rw_header},
    {"remote-write.tls-ca-file", 0, "FILE", NULL, "the system's CAs",
     "remote write: CA certificates to verify an https receiver with", apply_rw_ca_file},
    {"remote-write.tls-insecure-skip-verify", 0, NULL, NULL, NULL,
     "remote write: do not verify the receiver's certificate or host name", apply_rw_insecure},
    {"remote-write.queue-samples", 0, "N", "1000000", NULL,
     "remote write: samples held while the receiver is slow or down; beyond, the oldest are "
     "dropped, counted and logged",
     apply_rw_queue},
    {"remote-write.timeout", 0, "DURATION", "30s", NULL, "remote write: limit on one request",
     apply_rw_timeout},
    {"seed", 0, "N", NULL, "the profile's simulation.seed, else 1", "random seed", apply_seed},
    {"start-time", 0, "T", NULL, "now",
     "no effect since 0.2 (values follow the wall-clock tick); accepted, with a warning, so "
     "old command lines work",
     apply_start},
    {"no-timestamps", 0, NULL, NULL, NULL, "expose samples without timestamps",
     apply_no_timestamps},
    {"metrics.port-families", 0, "L", NULL, "all",
     "comma-separated per-port families to expose, by their full names in docs/METRICS.md",
     apply_families},
    {"check-config", 0, NULL, NULL, NULL, "validate the profiles, print a summary and exit",
     apply_check},
    {"from", 0, "T", NULL, NULL,
     "backfill: first time, RFC 3339 UTC, Unix seconds, now, or a duration before now such as -2h",
     apply_from},
    {"to", 0, "T", NULL, NULL, "backfill: last time, in the forms of --from", apply_to},
    {"step", 0, "DURATION", NULL, "the profile's tick",
     "backfill: time between samples, a positive multiple of the tick", apply_step},
    {"label", 0, "NAME=VALUE", NULL, NULL,
     "backfill: label added to every series, e.g. the job and instance Prometheus gives the "
     "live target (repeatable)",
     apply_label},
    {"output", 'o', "FILE", NULL, NULL, "backfill: OpenMetrics file to write, - for stdout",
     apply_output},
#define HTTP_LIMIT_FLAG(field, flag, kind, def, def_text, help) \
    {flag, 0, ARG_NAME_##kind, def_text, NULL, help, apply_##field},
    HTTP_LIMITS(HTTP_LIMIT_FLAG)
#undef HTTP_LIMIT_FLAG
        {"log.level", 0, "LEVEL", "info", NULL, "least severe level to log: " LOG_LEVEL_CHOICES,
         apply_log_level},
    {"log.format", 0, "FORMAT", "logfmt", NULL, "log line format on stderr: " LOG_FORMAT_CHOICES,
     apply_log_format},
    {"version", 0, NULL, NULL, NULL, "print the version and exit", apply_version},
    {"help", 'h', NULL, NULL, NULL, "print this help and exit", apply_help},
};
#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))
/* getopt_long returns this plus the row index for a long option. */
#define LONG_ONLY_BASE 256

const struct cli_flag *cli_flags(size_t *count_out)
{
    *count_out = N_FLAGS;
    return flags;
}

/* ---- usage ------------------------------------------------------------------------------ */

#define USAGE_HELP_COLUMN 30
#define USAGE_WIDTH       80

/* Writes the words of text, then suffix glued to the last word, after column *at, wrapping
 * to USAGE_HELP_COLUMN within USAGE_WIDTH (a word longer than a line gets a line of its own). */
static void write_words(FILE *to, const char *text, const char *suffix, int *at)
{
    for (const char *p = text; *p;) {
        size_t word = strcspn(p, " ");
        size_t width = word + (p[word + strspn(p + word, " ")] ? 0 : strlen(suffix));
        if (*at > USAGE_HELP_COLUMN && *at + 1 + (int)width > USAGE_WIDTH) {
            fprintf(to, "\n%*s", USAGE_HELP_COLUMN, "");
            *at = USAGE_HELP_COLUMN;
        } else if (*at > USAGE_HELP_COLUMN) {
            fputc(' ', to);
            (*at)++;
        }
        fwrite(p, 1, word, to);
        *at += (int)word;
        p += word;
        while (*p == ' ')
            p++;
    }
    fputs(suffix, to);
    *at += (int)strlen(suffix);
}

void cli_usage(FILE *to)
{
    fputs("Usage: switchsim [flags]\n"
          "       switchsim backfill --from T --to T -o FILE [--step D] [--profile PATH]\n"
          "                          [--seed N] [--start-time T]\n"
          "\n"
          "Simulated network-switch telemetry for Prometheus. backfill writes the values of\n"
          "past ticks as OpenMetrics for promtool tsdb create-blocks-from openmetrics.\n"
          "\n"
          "Flags:\n",
          to);
    for (size_t i = 0; i < N_FLAGS; i++) {
        const struct cli_flag *f = &flags[i];
        char lead[96];
        int col = 0;
        if (f->short_name)
            col = snprintf(lead, sizeof(lead), "  -%c, --%s", f->short_name, f->name);
        else
            col = snprintf(lead, sizeof(lead), "  --%s", f->name);
        if (f->arg)
            col += snprintf(lead + col, sizeof(lead) - (size_t)col, " %s", f->arg);
        fputs(lead, to);
        if (col + 2 > USAGE_HELP_COLUMN) {
            fputc('\n', to);
            col = 0;
        }
        fprintf(to, "%*s", USAGE_HELP_COLUMN - col, "");
        int at = USAGE_HELP_COLUMN;
        write_words(to, f->help, "", &at);
        const char *dflt = f->default_arg ? f->default_arg : f->default_note;
        if (dflt) {
            write_words(to, "(default:", "", &at);
            write_words(to, dflt, ")", &at);
        }
        fputc('\n', to);
    }
}

/* ---- parsing ---------------------------------------------------------------------------- */

static const struct cli_flag *flag_by_short(int c)
{
    for (size_t i = 0; i < N_FLAGS; i++)
        if (flags[i].short_name && flags[i].short_name == c)
            return &flags[i];
    return NULL;
}

static int set_defaults(struct options *out, struct errbuf *err)
{
    memset(out, 0, sizeof(*out));
    out->port_override = -1;
    out->timestamps = 1;
    out->families = catalog_all();
    for (size_t i = 0; i < N_FLAGS; i++)
        if (flags[i].default_arg && flags[i].apply(out, flags[i].default_arg, err) < 0)
            return -1; /* only a broken table fails here; test_cli_defaults would show it */
    return 0;
}

int cli_validate(const struct options *o, int64_t now_ms, struct errbuf *err)
{
    if (o->start_set && o->start_ms > now_ms)
        return errbuf_set(err,
                          "--start-time is in the future (%.3f s ahead of now); samples must not "
                          "be timestamped ahead of the clock",
                          (double)(o->start_ms - now_ms) / 1000.0);
    return remote_write_check(&o->remote_write, err); /* reads the secret files */
}

int cli_parse_when_ms(const char *flag, const char *text, int64_t now_ms, int64_t *out_ms,
                      struct errbuf *err)
{
    if (strcmp(text, "now") == 0) {
        *out_ms = now_ms;
        return 0;
    }
    if (text[0] == '-') {
        uint64_t ago_ms = 0;
        if (units_parse_duration_ms(text + 1, &ago_ms, NULL) < 0 || ago_ms > (uint64_t)now_ms)
            return errbuf_set(err,
                              "%s: expected -DURATION such as -2h (not before 1970), got \"%s\"",
                              flag, text);
        *out_ms = now_ms - (int64_t)ago_ms;
        return 0;
    }
    struct errbuf why;
    if (cli_parse_time_ms(text, out_ms, &why) < 0)
        return errbuf_set(err,
                          "%s: expected RFC 3339 UTC, Unix seconds, now or -DURATION, got \"%s\"",
                          flag, text);
    return 0;
}

int cli_parse(int argc, char **argv, struct options *out, struct errbuf *err)
{
    struct option longopts[N_FLAGS + 1];
    char shortopts[2 * N_FLAGS + 2];
    size_t ns = 0;
    shortopts[ns++] = ':'; /* a missing value returns ':' rather than '?' */
    for (size_t i = 0; i < N_FLAGS; i++) {
        longopts[i] = (struct option){flags[i].name, flags[i].arg ? required_argument : no_argument,
                                      NULL, LONG_ONLY_BASE + (int)i};
        if (flags[i].short_name) {
            shortopts[ns++] = flags[i].short_name;
            if (flags[i].arg)
                shortopts[ns++] = ':';
        }
    }
    longopts[N_FLAGS] = (struct option){NULL, 0, NULL, 0};
    shortopts[ns] = '\0';

    if (set_defaults(out, err) < 0)
        return -1;
    if (argc > 1 && strcmp(argv[1], "backfill") == 0) {
        out->backfill = 1;
        argc--;
        argv++;
    }
    /* 0, not 1: glibc then also forgets where it was inside a cluster of short flags of an
     * earlier call, which would point into that call's (maybe freed) argv (found by
     * fuzz_cli: tests and fuzzers parse many command lines in one process). */
    optind = 0;
    opterr = 0; /* we print our own message, once, with usage */
    for (;;) {
        int longindex = 0;
        int c = getopt_long(argc, argv, shortopts, longopts, &longindex);
        if (c == -1)
            break;
        const struct cli_flag *f = NULL;
        if (c >= LONG_ONLY_BASE && c < LONG_ONLY_BASE + (int)N_FLAGS)
            f = &flags[c - LONG_ONLY_BASE];
        else if (c != ':' && c != '?')
            f = flag_by_short(c);
        if (f) {
            if (f->apply(out, f->arg ? optarg : NULL, err) < 0)
                return -1;
            continue;
        }
        /* For long options optopt holds our row value, not a character. */
        bool short_flag = optopt > 0 && optopt < 128 && isalnum(optopt);
        if (c == ':')
            return short_flag ? errbuf_set(err, "-%c needs a value", optopt)
                              : errbuf_set(err, "%s needs a value", argv[optind - 1]);
        return short_flag ? errbuf_set(err, "unknown flag -%c", optopt)
                          : errbuf_set(err, "unknown flag %s", argv[optind - 1]);
    }
    if (optind < argc)
        return errbuf_set(err, "unexpected argument \"%s\" (profiles go after --profile)",
                          argv[optind]);
    if (out->backfill && !out->show_help && !out->show_version &&
        (!out->from || !out->to || !out->output))
        return errbuf_set(err, "backfill needs --from, --to and -o");
    if (!out->backfill && (out->from || out->to || out->step_ms || out->output || out->n_labels))
        return errbuf_set(err,
                          "--from, --to, --step, --label and -o are for the backfill subcommand "
                          "(switchsim backfill ...)");
    if (out->port_override >= 0)
        out->listen_port = (uint16_t)out->port_override;
    return 0;
}
