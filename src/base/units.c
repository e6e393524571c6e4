/* units.c - parsing of human units (speeds, sizes, durations, ratios). */
#include "base/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int units_parse_u64(const char *text, uint64_t *out, struct errbuf *err)
{
    if (!isdigit((unsigned char)text[0]))
        return errbuf_set(err, "expected a non-negative integer, got \"%s\"", text);
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno == ERANGE)
        return errbuf_set(err, "integer \"%s\" is too large", text);
    if (*end != '\0')
        return errbuf_set(err, "expected a non-negative integer, got \"%s\"", text);
    *out = (uint64_t)v;
    return 0;
}

/* Reads a plain decimal number at the start of text (digits, optional fraction and
 * exponent), refusing what strtod also accepts but people do not mean: hex, inf, nan,
 * leading spaces or signs (when allow_sign is 0). */
static int leading_number(const char *text, int allow_sign, double *out, const char **end_out)
{
    const char *p = text;
    if (allow_sign && (*p == '-' || *p == '+'))
        p++;
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
        return -1;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        return -1;
    errno = 0;
    char *end = NULL;
    double v = strtod(text, &end);
    /* ERANGE on underflow (1e-320) still gives the nearest value; only overflow is refused */
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1.0))
        return -1;
    *out = v;
    *end_out = end;
    return 0;
}

int units_parse_double(const char *text, double *out, struct errbuf *err)
{
    const char *end = NULL;
    double v = 0;
    if (leading_number(text, 1, &v, &end) < 0 || *end != '\0')
        return errbuf_set(err, "expected a number, got \"%s\"", text);
    *out = v;
    return 0;
}

int units_parse_ratio(const char *text, double *out, struct errbuf *err)
{
    const char *end = NULL;
    double v = 0;
    if (leading_number(text, 1, &v, &end) < 0)
        return errbuf_set(err, "expected a ratio such as 0.35 or 35%%, got \"%s\"", text);
    if (strcmp(end, "%") == 0)
        v /= 100.0;
    else if (*end != '\0')
        return errbuf_set(err, "expected a ratio such as 0.35 or 35%%, got \"%s\"", text);
    *out = v;
    return 0;
}

struct unit {
    const char *suffix;
    double factor;
};

/* Looks suffix up in a table (exact, case-sensitive); returns its factor or -1. */
static double unit_factor(const struct unit *table, const char *suffix)
{
    for (const struct unit *u = table; u->suffix; u++)
        if (strcmp(u->suffix, suffix) == 0)
            return u->factor;
    return -1.0;
}

/* number * unit, rejecting results that do not fit a uint64 or have a fraction. */
static int scaled_u64(const char *text, const struct unit *table, uint64_t *out)
{
    const char *end = NULL;
    double v = 0;
    if (leading_number(text, 0, &v, &end) < 0)
        return -1;
    while (*end == ' ')
        end++;
    double factor = unit_factor(table, end);
    if (factor < 0)
        return -1;
    double scaled = v * factor;
    if (scaled >= 18446744073709551615.0 || scaled != floor(scaled))
        return -1;
    *out = (uint64_t)scaled;
    return 0;
}

int units_parse_speed_bps(const char *text, uint64_t *out, struct errbuf *err)
{
    static const struct unit speeds[] = {
        {"", 1},     {"bps", 1},     {"b/s", 1},     {"K", 1e3}, {"Kbps", 1e3}, {"Kb/s", 1e3},
        {"M", 1e6},  {"Mbps", 1e6},  {"Mb/s", 1e6},  {"G", 1e9}, {"Gbps", 1e9}, {"Gb/s", 1e9},
        {"T", 1e12}, {"Tbps", 1e12}, {"Tb/s", 1e12}, {NULL, 0},
    };
    if (scaled_u64(text, speeds, out) < 0)
        return errbuf_set(err, "expected a speed such as 25G, 100Gbps or 400Gb/s, got \"%s\"",
                          text);
    return 0;
}

int units_parse_size_bytes(const char *text, uint64_t *out, struct errbuf *err)
{
    static const struct unit sizes[] = {
        {"", 1},
        {"B", 1},
        {"KB", 1e3},
        {"MB", 1e6},
        {"GB", 1e9},
        {"TB", 1e12},
        {"KiB", 1024.0},
        {"MiB", 1024.0 * 1024},
        {"GiB", 1024.0 * 1024 * 1024},
        {"TiB", 1024.0 * 1024 * 1024 * 1024},
        {NULL, 0},
    };
    if (scaled_u64(text, sizes, out) < 0)
        return errbuf_set(err, "expected a size such as 12MiB, 512KiB or 9216B, got \"%s\"", text);
    return 0;
}

int units_parse_duration_ms(const char *text, uint64_t *out, struct errbuf *err)
{
    static const struct unit durations[] = {
        {"ms", 1},      {"s", 1e3},         {"m", 60e3},          {"h", 3600e3},
        {"d", 86400e3}, {"w", 7 * 86400e3}, {"y", 365 * 86400e3}, {NULL, 0},
    };
    if (strcmp(text, "0") == 0) {
        *out = 0;
        return 0;
    }
    const char *p = text;
    double total_ms = 0;
    double last_factor = 1e300;
    if (*p == '\0')
        goto bad;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            goto bad;
        char *end = NULL;
        errno = 0;
        unsigned long long n = strtoull(p, &end, 10);
        if (errno == ERANGE)
            goto bad;
        char unit[3] = {0};
        size_t ulen = 0;
        while (isalpha((unsigned char)end[ulen]) && ulen < 2) {
            unit[ulen] = end[ulen];
            ulen++;
        }
        double factor = unit_factor(durations, unit);
        /* "ms" must win over "m" followed by junk; units must go from large to small. */
        if (factor < 0 || factor >= last_factor)
            goto bad;
        last_factor = factor;
        total_ms += (double)n * factor;
        p = end + ulen;
    }
    if (total_ms >= 9.2e18)
        goto bad;
    *out = (uint64_t)total_ms;
    return 0;
bad:
    return errbuf_set(err, "expected a duration such as 500ms, 30s, 5m, 2h or 1h30m, got \"%s\"",
                      text);
}
