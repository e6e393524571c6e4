/* fuzz_profile.c - libFuzzer target for the profile loader (src/config/profile.c) and, when a
 * profile loads, for rendering its whole fleet through the real collectors and registry.
 *
 * The input is written to a temporary file and given to profile_load() with the catalog's
 * budget, its series and body limits lowered (FUZZ_MAX_SERIES, FUZZ_MAX_BODY_BYTES) so one
 * run stays fast. A refused profile must leave a non-empty one-line message. A loaded one is
 * rendered in text 0.0.4 and OpenMetrics 1.0 and each body checked by a strict validator:
 * every line a comment or `name{labels} value [timestamp]`, valid metric and label names,
 * label values valid UTF-8 with only the escapes \\ \" \n, numbers in the formats' grammar,
 * no series twice. A violation aborts, so libFuzzer keeps the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/errbuf.h"
#include "base/strbuf.h"
#include "config/profile.h"
#include "expo/expo.h"
#include "metrics/budget.h"
#include "metrics/catalog.h"
#include "metrics/collectors.h"
#include "metrics/registry.h"
#include "model/model.h"
#include "sim/sim.h"

#define FUZZ_MAX_SERIES     20000
#define FUZZ_MAX_BODY_BYTES ((uint64_t)4 << 20)
/* Ticks after the epoch the fleet is rendered at. Small on purpose: sim_new() replays every
 * state change since the devices' last boot, which at a 2023 tick took about a minute for
 * profiles/default.yaml under this build (docs/FUZZING.md); a realistic tick is left to
 * make test and make soak. */
#define FUZZ_TICK 1000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void violation(const char *what, const char *line, size_t len)
{
    fprintf(stderr, "fuzz_profile: %s in line: %.*s\n", what, (int)(len > 300 ? 300 : len), line);
    abort();
}

static int name_start(char c, int colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static int name_char(char c, int colon)
{
    return name_start(c, colon) || (c >= '0' && c <= '9');
}

/* Length of a metric (colon 1) or label (colon 0) name at p, 0 if none. */
static size_t name_len(const char *p, const char *end, int colon)
{
    size_t n = 0;
    if (p >= end || !name_start(*p, colon))
        return 0;
    while (p + n < end && name_char(p[n], colon))
        n++;
    return n;
}

static size_t digits(const char *p, const char *end)
{
    size_t n = 0;
    while (p + n < end && p[n] >= '0' && p[n] <= '9')
        n++;
    return n;
}

/* Whether [p, end) is a number: [-+]digits[.digits][e[-+]digits], or (special) NaN/+Inf/-Inf. */
static int is_number(const char *p, const char *end, int special)
{
    size_t len = (size_t)(end - p);
    if (special && ((len == 3 && memcmp(p, "NaN", 3) == 0) ||
                    (len == 4 && (memcmp(p, "+Inf", 4) == 0 || memcmp(p, "-Inf", 4) == 0))))
        return 1;
    if (p < end && (*p == '-' || *p == '+'))
        p++;
    size_t d = digits(p, end);
    if (d == 0)
        return 0;
    p += d;
    if (p < end && *p == '.') {
        p++;
        d = digits(p, end);
        if (d == 0)
            return 0;
        p += d;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '-' || *p == '+'))
            p++;
        d = digits(p, end);
        if (d == 0)
            return 0;
        p += d;
    }
    return p == end;
}

/* Length of one valid UTF-8 sequence at p (no overlongs, surrogates or > U+10FFFF), 0 if bad. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    size_t n;
    uint32_t cp;
    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xE0) == 0xC0) {
        n = 2;
        cp = p[0] & 0x1Fu;
    } else if ((p[0] & 0xF0) == 0xE0) {
        n = 3;
        cp = p[0] & 0x0Fu;
    } else if ((p[0] & 0xF8) == 0xF0) {
        n = 4;
        cp = p[0] & 0x07u;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3Fu);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* A label value from just after its opening quote; returns the closing quote, NULL if bad. */
static const char *label_value(const char *p, const char *end)
{
    while (p < end && *p != '"') {
        if (*p == '\\') {
            if (p + 1 >= end || (p[1] != '\\' && p[1] != '"' && p[1] != 'n'))
                return NULL;
            p += 2;
            continue;
        }
        if (*p == '\n')
            return NULL;
        size_t n = utf8_len((const unsigned char *)p, (const unsigned char *)end);
        if (n == 0)
            return NULL;
        p += n;
    }
    return p < end ? p : NULL;
}

struct series {
    const char *key;
    size_t len;
};

static int series_cmp(const void *a, const void *b)
{
    const struct series *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);
    return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

static void validate(const char *body, size_t len, enum expo_format format)
{
    if (len == 0 || body[len - 1] != '\n')
        violation("body not ending in a newline", body, len);
    size_t cap = 1024, n = 0;
    struct series *seen = malloc(cap * sizeof *seen);
    if (seen == NULL)
        abort();
    int eof = 0;
    for (const char *line = body; line < body + len;) {
        const char *end = memchr(line, '\n', (size_t)(body + len - line));
        size_t ll = (size_t)(end - line);
        if (eof)
            violation("text after # EOF", line, ll);
        if (ll > 0 && line[0] == '#') {
            if (ll == 5 && memcmp(line, "# EOF", 5) == 0 && format == EXPO_OPENMETRICS_100) {
                eof = 1;
            } else if (ll > 7 &&
                       (memcmp(line, "# HELP ", 7) == 0 || memcmp(line, "# TYPE ", 7) == 0 ||
                        memcmp(line, "# UNIT ", 7) == 0)) {
                size_t nl = name_len(line + 7, end, 1);
                if (nl == 0 || (line + 7 + nl < end && line[7 + nl] != ' '))
                    violation("bad metric name in a comment", line, ll);
            } else {
                violation("unknown comment", line, ll);
            }
            line = end + 1;
            continue;
        }
        const char *p = line;
        size_t nl = name_len(p, end, 1);
        if (nl == 0)
            violation("bad metric name", line, ll);
        p += nl;
        if (p < end && *p == '{') {
            p++;
            while (p < end && *p != '}') {
                size_t ln = name_len(p, end, 0);
                if (ln == 0 || p + ln + 1 >= end || p[ln] != '=' || p[ln + 1] != '"')
                    violation("bad label name", line, ll);
                const char *q = label_value(p + ln + 2, end);
                if (q == NULL)
                    violation("bad label value", line, ll);
                p = q + 1;
                if (p < end && *p == ',' && p + 1 < end && p[1] != '}')
                    p++;
                else if (p < end && *p != '}')
                    violation("bad label separator", line, ll);
            }
            if (p >= end)
                violation("unterminated label set", line, ll);
            p++;
        }
        if (n == cap) {
            cap *= 2;
            struct series *grown = realloc(seen, cap * sizeof *seen);
            if (grown == NULL)
                abort();
            seen = grown;
        }
        seen[n++] = (struct series){line, (size_t)(p - line)};
        if (p >= end || *p != ' ')
            violation("no value", line, ll);
        p++;
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        if (!is_number(p, sp ? sp : end, 1))
            violation("bad value", line, ll);
        if (sp != NULL && !is_number(sp + 1, end, 0))
            violation("bad timestamp", line, ll);
        line = end + 1;
    }
    if (format == EXPO_OPENMETRICS_100 && !eof)
        violation("no # EOF", body, 0);
    qsort(seen, n, sizeof *seen, series_cmp);
    for (size_t i = 1; i < n; i++)
        if (series_cmp(&seen[i - 1], &seen[i]) == 0)
            violation("duplicate series", seen[i].key, seen[i].len);
    free(seen);
}

static void render(const struct fleet *fleet, enum expo_format format)
{
    struct sim *sim = sim_new(fleet, 42, FUZZ_TICK);
    struct build_info build = {"1.2.3", "abcdef0"};
    struct collectors *c = collectors_new(fleet, &build, 0);
    struct registry reg;
    registry_init(&reg);
    if (collectors_register(c, &reg) != 0)
        abort();
    struct strbuf sb;
    strbuf_init(&sb, 1024, 64 << 20);
    struct expo w;
    expo_init(&w, &sb, format, sim_time_ms(sim), 1);
    struct scrape_ctx ctx = {.sim = sim, .sel = {catalog_all(), 0, fleet->n_devices}};
    struct errbuf err = {0};
    if (registry_collect(&reg, &w, &ctx, &err) != 0) {
        fprintf(stderr, "fuzz_profile: a loaded profile failed to render: %s\n", err.msg);
        abort();
    }
    validate(sb.data, sb.len, format);
    strbuf_cleanup(&sb);
    collectors_free(c);
    sim_free(sim);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct profile_budget budget;
    static char path[64];
    if (path[0] == '\0') {
        catalog_budget(catalog_all(), &budget);
        if (budget.max_series > FUZZ_MAX_SERIES)
            budget.max_series = FUZZ_MAX_SERIES;
        if (budget.max_body_bytes > FUZZ_MAX_BODY_BYTES)
            budget.max_body_bytes = FUZZ_MAX_BODY_BYTES;
        snprintf(path, sizeof path, "/tmp/fuzz_profile.%ld.yaml", (long)getpid());
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        abort();
    if (fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    const char *paths[] = {path};
    struct fleet *fleet = NULL;
    struct errbuf err = {0};
    int rc = profile_load(paths, 1, &budget, &fleet, &err);
    if (rc != 0) {
        if (rc != -1 || err.msg[0] == '\0' || fleet != NULL)
            abort();
    } else {
        render(fleet, EXPO_TEXT_004);
        render(fleet, EXPO_OPENMETRICS_100);
        fleet_free(fleet);
    }
    unlink(path);
    return 0;
}
