/* profile.c - YAML device profiles -> struct fleet (the only user of libyaml).
 *
 * Uses libyaml's document API so every node carries a mark, then walks the tree
 * with a strict schema: unknown keys, duplicate keys, wrong node kinds, bad units
 * and out-of-range values are errors that point at the offending node. */
#include "config/profile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "base/units.h"
#include "base/xalloc.h"

#define WHERE_BYTES       256
#define MAX_PROFILE_BYTES (16u * 1024 * 1024)

/* Loading state shared by all files of one profile_load() call. */
struct loader {
    struct fleet *fleet;
    struct strset device_names;
    struct errbuf *err;
    char tick_source[WHERE_BYTES]; /* where the tick was first set, for conflict messages */
};

/* One file being walked. */
struct pctx {
    struct loader *ld;
    const char *path;
    yaml_document_t *doc;
    struct port_spec defaults;
};

/* A port group or template as parsed once, stamped out per device. */
struct group {
    const char *pattern;
    uint64_t first;
    uint64_t count;
    const struct port_spec *spec;
    yaml_node_t *node;
    char where[WHERE_BYTES];
};

struct devparts {
    const char *vendor;
    const char *model;
    yaml_node_t *labels[2]; /* template's, then the device's own (later wins) */
    char labels_where[2][WHERE_BYTES];
    struct group *groups;
    size_t n_groups;
    yaml_node_t *overrides[2]; /* per-port settings: template's, then the device's */
    char overrides_where[2][WHERE_BYTES];
};

struct tmpl {
    const char *name;
    struct devparts parts;
};

static int fail(struct pctx *c, const yaml_node_t *node, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "FILE:LINE:COL: WHERE: MESSAGE". libyaml marks are 0-based; people count from 1. */
static int fail(struct pctx *c, const yaml_node_t *node, const char *where, const char *fmt, ...)
{
    char what[ERRBUF_MSG_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (!node)
        return errbuf_set(c->ld->err, "%s: %s", c->path, what);
    return errbuf_set(c->ld->err, "%s:%zu:%zu: %s: %s", c->path, node->start_mark.line + 1,
                      node->start_mark.column + 1, where, what);
}

static const char *kind_name(const yaml_node_t *node)
{
    switch (node->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

static yaml_node_t *node_get(struct pctx *c, int id)
{
    return yaml_document_get_node(c->doc, id);
}

static const char *scalar_text(const yaml_node_t *node)
{
    return (const char *)node->data.scalar.value;
}

static int expect_kind(struct pctx *c, yaml_node_t *node, yaml_node_type_t kind, const char *where)
{
    if (node->type == kind)
        return 0;
    const char *want = kind == YAML_MAPPING_NODE    ? "a mapping"
                       : kind == YAML_SEQUENCE_NODE ? "a list"
                                                    : "a scalar";
    return fail(c, node, where, "expected %s, got %s", want, kind_name(node));
}

/* Checks that node is a mapping of distinct scalar keys, all in `known`. */
static int check_mapping(struct pctx *c, yaml_node_t *node, const char *where,
                         const char *const *known)
{
    if (expect_kind(c, node, YAML_MAPPING_NODE, where) < 0)
        return -1;
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
         p++) {
        yaml_node_t *key = node_get(c, p->key);
        if (key->type != YAML_SCALAR_NODE)
            return fail(c, key, where, "mapping keys must be scalars, got %s", kind_name(key));
        const char *k = scalar_text(key);
        for (yaml_node_pair_t *q = node->data.mapping.pairs.start; q < p; q++) {
            yaml_node_t *earlier = node_get(c, q->key);
            if (earlier->type == YAML_SCALAR_NODE && strcmp(scalar_text(earlier), k) == 0)
                return fail(c, key, where, "duplicate key \"%s\" (first at line %zu)", k,
                            earlier->start_mark.line + 1);
        }
        if (!known)
            continue;
        int found = 0;
        for (const char *const *kn = known; *kn; kn++)
            found |= strcmp(*kn, k) == 0;
        if (!found) {
            char list[ERRBUF_MSG_BYTES / 2] = "";
            size_t n = 0;
            for (const char *const *kn = known; *kn; kn++) {
                int w = snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "", *kn);
                if (w < 0 || (size_t)w >= sizeof(list) - n)
                    break;
                n += (size_t)w;
            }
            return fail(c, key, where, "unknown key \"%s\" (expected one of: %s)", k, list);
        }
    }
    return 0;
}

static yaml_node_t *map_get(struct pctx *c, yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node_get(c, p->key);
        if (k->type == YAML_SCALAR_NODE && strcmp(scalar_text(k), key) == 0)
            return node_get(c, p->value);
    }
    return NULL;
}

/* Builds a "where" path such as "devices[2].traffic.noise"; long paths are cut short,
 * which only shortens a message. */
static void where_printf(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void where_printf(char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, WHERE_BYTES, fmt, ap);
    va_end(ap);
}

static void where_join(char *out, const char *where, const char *key)
{
    where_printf(out, "%s%s%s", where, *where ? "." : "", key);
}

/* Scalar value of map[key]: 0 and *out unchanged when absent, -1 on error. */
static int get_scalar(struct pctx *c, yaml_node_t *map, const char *key, const char *where,
                      yaml_node_t **node_out, char *where_out)
{
    yaml_node_t *node = map_get(c, map, key);
    *node_out = node;
    where_join(where_out, where, key);
    if (!node)
        return 0;
    if (expect_kind(c, node, YAML_SCALAR_NODE, where_out) < 0)
        return -1;
    if (strlen(scalar_text(node)) != node->data.scalar.length)
        return fail(c, node, where_out, "value contains a NUL character");
    return 1;
}

/* Names (free_text = 0) must be non-empty without control characters; free text
 * (descriptions, label values) may be empty and hold tabs and newlines. */
static int get_string(struct pctx *c, yaml_node_t *map, const char *key, const char *where,
                      int free_text, const char **out)
{
    yaml_node_t *node;
    char w[WHERE_BYTES];
    int rc = get_scalar(c, map, key, where, &node, w);
    if (rc <= 0)
        return rc;
    const char *s = scalar_text(node);
    if (!free_text && *s == '\0')
        return fail(c, node, w, "must not be empty");
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 && !(free_text && (*p == '\t' || *p == '\n')))
            return fail(c, node, w, "control characters are not allowed");
    *out = fleet_strdup(c->ld->fleet, s);
    return 1;
}

typedef int (*unit_parser)(const char *, uint64_t *, struct errbuf *);

static int get_unit(struct pctx *c, yaml_node_t *map, const char *key, const char *where,
                    unit_parser parse, uint64_t min, uint64_t max, const char *min_text,
                    const char *max_text, uint64_t *out)
{
    yaml_node_t *node;
    char w[WHERE_BYTES];
    int rc = get_scalar(c, map, key, where, &node, w);
    if (rc <= 0)
        return rc;
    struct errbuf why;
    uint64_t v = 0;
    if (parse(scalar_text(node), &v, &why) < 0)
        return fail(c, node, w, "%s", why.msg);
    if (v < min || v > max)
        return fail(c, node, w, "%s is out of range [%s, %s]", scalar_text(node), min_text,
                    max_text);
    *out = v;
    return 1;
}

static int get_real(struct pctx *c, yaml_node_t *map, const char *key, const char *where, int ratio,
                    double min, double max, int max_open, double *out)
{
    yaml_node_t *node;
    char w[WHERE_BYTES];
    int rc = get_scalar(c, map, key, where, &node, w);
    if (rc <= 0)
        return rc;
    struct errbuf why;
    double v = 0;
    if ((ratio ? units_parse_ratio : units_parse_double)(scalar_text(node), &v, &why) < 0)
        return fail(c, node, w, "%s", why.msg);
    if (v < min || v > max || (max_open && v >= max))
        return fail(c, node, w, "%s is out of range [%g, %g%s", scalar_text(node), min, max,
                    max_open ? ")" : "]");
    *out = v;
    return 1;
}

static const char *const buffer_keys[] = {"capacity", "drain_time", NULL};
static const char *const traffic_keys[] = {"utilization",     "daily_swing",    "peak_hour",
                                           "noise",           "noise_period",   "port_spread",
                                           "bursts_per_hour", "burst_duration", "burst_factor",
                                           "packet_size",     "rx_error_ratio", NULL};
static const char *const link_keys[] = {"mtbf", "mttr", "state", NULL};
static const char *const settings_keys[] = {"speed",   "type", "description", "buffer",
                                            "traffic", "link", NULL};
static const char *const group_keys[] = {"name",        "count",  "first",   "speed", "type",
                                         "description", "buffer", "traffic", "link",  NULL};

#define CHECK(expr)     \
    do {                \
        if ((expr) < 0) \
            return -1;  \
    } while (0)

static int parse_buffer(struct pctx *c, yaml_node_t *node, const char *where, struct port_spec *s)
{
    CHECK(check_mapping(c, node, where, buffer_keys));
    CHECK(get_unit(c, node, "capacity", where, units_parse_size_bytes, 1024,
                   4ULL * 1024 * 1024 * 1024, "1KiB", "4GiB", &s->buffer_capacity_bytes));
    CHECK(get_unit(c, node, "drain_time", where, units_parse_duration_ms, 100, 3600 * 1000, "100ms",
                   "1h", &s->buffer_drain_ms));
    return 0;
}

static int parse_traffic(struct pctx *c, yaml_node_t *node, const char *where,
                         struct traffic_model *t)
{
    CHECK(check_mapping(c, node, where, traffic_keys));
    CHECK(get_real(c, node, "utilization", where, 1, 0, 1, 0, &t->utilization));
    CHECK(get_real(c, node, "daily_swing", where, 1, 0, 1, 0, &t->daily_swing));
    CHECK(get_real(c, node, "peak_hour", where, 0, 0, 24, 1, &t->peak_hour_utc));
    CHECK(get_real(c, node, "noise", where, 1, 0, 1, 0, &t->noise));
    CHECK(get_unit(c, node, "noise_period", where, units_parse_duration_ms, 1000,
                   7ULL * 86400 * 1000, "1s", "7d", &t->noise_period_ms));
    CHECK(get_real(c, node, "port_spread", where, 1, 0, 1, 0, &t->port_spread));
    CHECK(get_real(c, node, "bursts_per_hour", where, 0, 0, 3600, 0, &t->bursts_per_hour));
    CHECK(get_unit(c, node, "burst_duration", where, units_parse_duration_ms, 100, 3600 * 1000,
                   "100ms", "1h", &t->burst_duration_ms));
    CHECK(get_real(c, node, "burst_factor", where, 0, 1, 100, 0, &t->burst_factor));
    CHECK(get_unit(c, node, "packet_size", where, units_parse_size_bytes, 64, 9216, "64B", "9216B",
                   &t->packet_size_bytes));
    CHECK(get_real(c, node, "rx_error_ratio", where, 1, 0, 1, 0, &t->rx_error_ratio));
    return 0;
}

static int parse_link(struct pctx *c, yaml_node_t *node, const char *where, struct link_model *l)
{
    CHECK(check_mapping(c, node, where, link_keys));
    CHECK(get_unit(c, node, "mtbf", where, units_parse_duration_ms, 0, 365ULL * 86400 * 1000, "0",
                   "1y", &l->mtbf_ms));
    if (l->mtbf_ms > 0 && l->mtbf_ms < 1000) {
        char w[WHERE_BYTES];
        where_join(w, where, "mtbf");
        return fail(c, map_get(c, node, "mtbf"), w, "must be 0 (never fails) or at least 1s");
    }
    CHECK(get_unit(c, node, "mttr", where, units_parse_duration_ms, 1000, 30ULL * 86400 * 1000,
                   "1s", "30d", &l->mttr_ms));
    const char *state = NULL;
    int rc = get_string(c, node, "state", where, 0, &state);
    CHECK(rc);
    if (rc > 0) {
        if (strcmp(state, "auto") == 0)
            l->pin = LINK_PIN_NONE;
        else if (strcmp(state, "up") == 0)
            l->pin = LINK_PIN_UP;
        else if (strcmp(state, "down") == 0)
            l->pin = LINK_PIN_DOWN;
        else {
            char w[WHERE_BYTES];
            where_join(w, where, "state");
            return fail(c, map_get(c, node, "state"), w,
                        "expected one of auto, up, down, got \"%s\"", state);
        }
    }
    return 0;
}

/* Applies the port-setting keys present in `node` on top of *s. `node` must already
 * have passed check_mapping with a key list that includes settings_keys. */
static int apply_settings(struct pctx *c, yaml_node_t *node, const char *where, struct port_spec *s)
{
    CHECK(get_unit(c, node, "speed", where, units_parse_speed_bps, 1000000ULL, 1600000000000ULL,
                   "1M", "1.6T", &s->speed_bps));
    CHECK(get_string(c, node, "type", where, 0, &s->type));
    CHECK(get_string(c, node, "description", where, 1, &s->description));
    char w[WHERE_BYTES];
    yaml_node_t *sub;
    if ((sub = map_get(c, node, "buffer"))) {
        where_join(w, where, "buffer");
        CHECK(parse_buffer(c, sub, w, s));
    }
    if ((sub = map_get(c, node, "traffic"))) {
        where_join(w, where, "traffic");
        CHECK(parse_traffic(c, sub, w, &s->traffic));
    }
    if ((sub = map_get(c, node, "link"))) {
        where_join(w, where, "link");
        CHECK(parse_link(c, sub, w, &s->link));
    }
    return 0;
}

static const struct port_spec *spec_copy(struct pctx *c, const struct port_spec *s)
{
    struct port_spec *copy = fleet_alloc(c->ld->fleet, sizeof(*copy));
    *copy = *s;
    return copy;
}

/* Checks a name pattern: "{n}" or "{n:0W}" (zero-padded to W digits) placeholders only. */
static int check_pattern(struct pctx *c, yaml_node_t *node, const char *where, const char *pattern,
                         uint64_t count)
{
    int placeholders = 0;
    for (const char *p = pattern; *p; p++) {
        if (*p == '}')
            return fail(c, node, where, "unmatched \"}\" in name pattern \"%s\"", pattern);
        if (*p != '{')
            continue;
        if (strncmp(p, "{n}", 3) == 0) {
            p += 2;
        } else if (strncmp(p, "{n:0", 4) == 0 && p[4] >= '1' && p[4] <= '9' && p[5] == '}') {
            p += 5;
        } else {
            return fail(c, node, where,
                        "bad placeholder in name pattern \"%s\" (use {n} or {n:03})", pattern);
        }
        placeholders++;
    }
    if (count > 1 && placeholders == 0)
        return fail(c, node, where, "name pattern \"%s\" needs {n} when count is %llu", pattern,
                    (unsigned long long)count);
    return 0;
}

static const char *expand_pattern(struct pctx *c, const char *pattern, uint64_t n)
{
    char out[WHERE_BYTES];
    size_t len = 0;
    for (const char *p = pattern; *p && len < sizeof(out) - 24; p++) {
        if (*p == '{') {
            int width = p[2] == ':' ? p[4] - '0' : 0;
            len += (size_t)snprintf(out + len, sizeof(out) - len, "%0*llu", width,
                                    (unsigned long long)n);
            const char *close = strchr(p, '}'); /* present: check_pattern() ran first */
            if (!close)
                break;
            p = close;
        } else {
            out[len++] = *p;
        }
    }
    out[len] = '\0';
    return fleet_strdup(c->ld->fleet, out);
}

static int parse_count(struct pctx *c, yaml_node_t *map, const char *where, uint64_t max,
                       const char *max_text, uint64_t *count, uint64_t *first)
{
    CHECK(get_unit(c, map, "count", where, units_parse_u64, 1, max, "1", max_text, count));
    CHECK(get_unit(c, map, "first", where, units_parse_u64, 0, 1000000, "0", "1000000", first));
    return 0;
}

static int parse_groups(struct pctx *c, yaml_node_t *node, const char *where,
                        struct devparts *parts)
{
    CHECK(expect_kind(c, node, YAML_SEQUENCE_NODE, where));
    size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    if (n == 0)
        return fail(c, node, where, "must list at least one port group");
    parts->groups = fleet_alloc(c->ld->fleet, n * sizeof(*parts->groups));
    parts->n_groups = n;
    for (size_t i = 0; i < n; i++) {
        struct group *g = &parts->groups[i];
        yaml_node_t *gn = node_get(c, node->data.sequence.items.start[i]);
        where_printf(g->where, "%s[%zu]", where, i);
        CHECK(check_mapping(c, gn, g->where, group_keys));
        g->node = gn;
        g->pattern = "";
        int rc = get_string(c, gn, "name", g->where, 0, &g->pattern);
        CHECK(rc);
        if (rc == 0)
            return fail(c, gn, g->where, "missing required key \"name\"");
        g->count = 1;
        g->first = 1;
        CHECK(parse_count(c, gn, g->where, SWITCHSIM_MAX_PORTS_PER_DEVICE, "1024", &g->count,
                          &g->first));
        char w[WHERE_BYTES];
        where_join(w, g->where, "name");
        CHECK(check_pattern(c, map_get(c, gn, "name"), w, g->pattern, g->count));
        struct port_spec spec = c->defaults;
        CHECK(apply_settings(c, gn, g->where, &spec));
        g->spec = spec_copy(c, &spec);
    }
    return 0;
}

static int check_label_name(struct pctx *c, yaml_node_t *key, const char *where, const char *name)
{
    static const char *const reserved[] = {"device", "vendor",   "model", "port",
                                           "job",    "instance", NULL};
    int ok = (isalpha((unsigned char)name[0]) || name[0] == '_');
    for (const char *p = name; *p && ok; p++)
        ok = isalnum((unsigned char)*p) || *p == '_';
    if (!ok)
        return fail(c, key, where,
                    "invalid label name \"%s\" (letters, digits and _, not starting with a digit)",
                    name);
    if (strncmp(name, "__", 2) == 0)
        return fail(c, key, where, "label names starting with __ are reserved");
    for (const char *const *r = reserved; *r; r++)
        if (strcmp(*r, name) == 0)
            return fail(c, key, where, "label name \"%s\" is reserved", name);
    return 0;
}

static int check_labels(struct pctx *c, yaml_node_t *node, const char *where)
{
    CHECK(check_mapping(c, node, where, NULL));
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
         p++) {
        yaml_node_t *key = node_get(c, p->key);
        char w[WHERE_BYTES];
        where_join(w, where, scalar_text(key));
        CHECK(check_label_name(c, key, w, scalar_text(key)));
        const char *ignored;
        CHECK(get_string(c, node, scalar_text(key), where, 1, &ignored));
    }
    return 0;
}

static int check_overrides(struct pctx *c, yaml_node_t *node, const char *where)
{
    CHECK(check_mapping(c, node, where, NULL));
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
         p++) {
        char w[WHERE_BYTES];
        where_join(w, where, scalar_text(node_get(c, p->key)));
        yaml_node_t *settings = node_get(c, p->value);
        CHECK(check_mapping(c, settings, w, settings_keys));
        struct port_spec scratch = c->defaults; /* validates values once, up front */
        CHECK(apply_settings(c, settings, w, &scratch));
    }
    return 0;
}

/* Parses the keys a template and a device share into parts (slot 0 = template, 1 = device). */
static int parse_parts(struct pctx *c, yaml_node_t *node, const char *where, int slot,
                       struct devparts *parts)
{
    CHECK(get_string(c, node, "vendor", where, 0, &parts->vendor));
    CHECK(get_string(c, node, "model", where, 0, &parts->model));
    yaml_node_t *sub;
    if ((sub = map_get(c, node, "labels"))) {
        where_join(parts->labels_where[slot], where, "labels");
        CHECK(check_labels(c, sub, parts->labels_where[slot]));
        parts->labels[slot] = sub;
    }
    if ((sub = map_get(c, node, "port_groups"))) {
        char w[WHERE_BYTES];
        where_join(w, where, "port_groups");
        CHECK(parse_groups(c, sub, w, parts));
    }
    if ((sub = map_get(c, node, "ports"))) {
        where_join(parts->overrides_where[slot], where, "ports");
        CHECK(check_overrides(c, sub, parts->overrides_where[slot]));
        parts->overrides[slot] = sub;
    }
    return 0;
}

static void collect_labels(struct pctx *c, const struct devparts *parts, struct device *dev)
{
    size_t max = 0;
    for (int s = 0; s < 2; s++)
        if (parts->labels[s])
            max += (size_t)(parts->labels[s]->data.mapping.pairs.top -
                            parts->labels[s]->data.mapping.pairs.start);
    struct label *labels = fleet_alloc(c->ld->fleet, (max ? max : 1) * sizeof(*labels));
    size_t n = 0;
    for (int s = 0; s < 2; s++) {
        if (!parts->labels[s])
            continue;
        for (yaml_node_pair_t *p = parts->labels[s]->data.mapping.pairs.start;
             p < parts->labels[s]->data.mapping.pairs.top; p++) {
            const char *name = scalar_text(node_get(c, p->key));
            const char *value = scalar_text(node_get(c, p->value));
            size_t i = 0;
            while (i < n && strcmp(labels[i].name, name) != 0)
                i++;
            if (i == n) {
                labels[n].name = fleet_strdup(c->ld->fleet, name);
                n++;
            }
            labels[i].value = fleet_strdup(c->ld->fleet, value);
        }
    }
    dev->labels = labels;
    dev->n_labels = n;
}

static int apply_overrides(struct pctx *c, const struct devparts *parts, struct device *dev)
{
    for (int s = 0; s < 2; s++) {
        yaml_node_t *ov = parts->overrides[s];
        if (!ov)
            continue;
        for (yaml_node_pair_t *p = ov->data.mapping.pairs.start; p < ov->data.mapping.pairs.top;
             p++) {
            yaml_node_t *key = node_get(c, p->key);
            const char *port_name = scalar_text(key);
            char w[WHERE_BYTES];
            where_join(w, parts->overrides_where[s], port_name);
            size_t i = 0;
            while (i < dev->n_ports && strcmp(dev->ports[i].name, port_name) != 0)
                i++;
            if (i == dev->n_ports)
                return fail(c, key, w, "device \"%s\" has no port named \"%s\"", dev->name,
                            port_name);
            struct port_spec spec = *dev->ports[i].spec;
            CHECK(apply_settings(c, node_get(c, p->value), w, &spec));
            dev->ports[i].spec = spec_copy(c, &spec);
        }
    }
    return 0;
}

static int build_ports(struct pctx *c, const struct devparts *parts, yaml_node_t *dev_node,
                       const char *where, struct device *dev)
{
    uint64_t total = 0;
    for (size_t g = 0; g < parts->n_groups; g++)
        total += parts->groups[g].count;
    if (total > SWITCHSIM_MAX_PORTS_PER_DEVICE)
        return fail(c, dev_node, where, "device \"%s\" has %llu ports, more than the limit of %d",
                    dev->name, (unsigned long long)total, SWITCHSIM_MAX_PORTS_PER_DEVICE);
    dev->ports = fleet_alloc(c->ld->fleet, (size_t)total * sizeof(*dev->ports));
    dev->n_ports = 0;
    struct strset names;
    strset_init(&names);
    int rc = 0;
    for (size_t g = 0; g < parts->n_groups && rc == 0; g++) {
        const struct group *grp = &parts->groups[g];
        for (uint64_t k = 0; k < grp->count; k++) {
            struct port *port = &dev->ports[dev->n_ports];
            port->name = expand_pattern(c, grp->pattern, grp->first + k);
            port->spec = grp->spec;
            if (!strset_add(&names, port->name)) {
                rc = fail(c, grp->node, grp->where, "duplicate port name \"%s\" on device \"%s\"",
                          port->name, dev->name);
                break;
            }
            dev->n_ports++;
        }
    }
    strset_cleanup(&names);
    return rc;
}

static const char *const simulation_keys[] = {"tick", "seed", NULL};
static const char *const top_keys[] = {"simulation", "defaults", "templates", "devices", NULL};
static const char *const template_keys[] = {"vendor",      "model", "labels",
                                            "port_groups", "ports", NULL};
static const char *const device_keys[] = {"name",  "count",  "first",       "template", "vendor",
                                          "model", "labels", "port_groups", "ports",    NULL};

static int parse_simulation(struct pctx *c, yaml_node_t *node)
{
    CHECK(check_mapping(c, node, "simulation", simulation_keys));
    struct fleet *fleet = c->ld->fleet;
    uint64_t tick_ms = 0;
    int rc = get_unit(c, node, "tick", "simulation", units_parse_duration_ms, 100, 3600 * 1000,
                      "100ms", "1h", &tick_ms);
    CHECK(rc);
    if (rc > 0) {
        yaml_node_t *tn = map_get(c, node, "tick");
        if (fleet->tick_set && fleet->tick_ms != tick_ms)
            return fail(c, tn, "simulation.tick", "%s conflicts with the tick of %llums set at %s",
                        scalar_text(tn), (unsigned long long)fleet->tick_ms, c->ld->tick_source);
        if (!fleet->tick_set)
            where_printf(c->ld->tick_source, "%s:%zu:%zu", c->path, tn->start_mark.line + 1,
                         tn->start_mark.column + 1);
        fleet->tick_ms = tick_ms;
        fleet->tick_set = 1;
    }
    uint64_t seed = 0;
    rc = get_unit(c, node, "seed", "simulation", units_parse_u64, 0, UINT64_MAX, "0",
                  "18446744073709551615", &seed);
    CHECK(rc);
    if (rc > 0) {
        if (fleet->seed_set && fleet->seed != seed)
            return fail(c, map_get(c, node, "seed"), "simulation.seed",
                        "conflicts with the seed %llu set by an earlier profile",
                        (unsigned long long)fleet->seed);
        fleet->seed = seed;
        fleet->seed_set = 1;
    }
    return 0;
}

static int parse_templates(struct pctx *c, yaml_node_t *node, struct tmpl **out, size_t *n_out)
{
    CHECK(check_mapping(c, node, "templates", NULL));
    size_t n = (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
    struct tmpl *t = fleet_alloc(c->ld->fleet, (n ? n : 1) * sizeof(*t));
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *p = &node->data.mapping.pairs.start[i];
        t[i].name = scalar_text(node_get(c, p->key));
        char w[WHERE_BYTES];
        where_join(w, "templates", t[i].name);
        yaml_node_t *body = node_get(c, p->value);
        CHECK(check_mapping(c, body, w, template_keys));
        CHECK(parse_parts(c, body, w, 0, &t[i].parts));
    }
    *out = t;
    *n_out = n;
    return 0;
}

static int parse_device(struct pctx *c, yaml_node_t *node, const char *where,
                        const struct tmpl *templates, size_t n_templates)
{
    struct loader *ld = c->ld;
    CHECK(check_mapping(c, node, where, device_keys));
    const char *pattern = "";
    int rc = get_string(c, node, "name", where, 0, &pattern);
    CHECK(rc);
    if (rc == 0)
        return fail(c, node, where, "missing required key \"name\"");
    uint64_t count = 1, first = 1;
    CHECK(parse_count(c, node, where, SWITCHSIM_MAX_DEVICES, "100000", &count, &first));
    char w[WHERE_BYTES];
    where_join(w, where, "name");
    yaml_node_t *name_node = map_get(c, node, "name");
    CHECK(check_pattern(c, name_node, w, pattern, count));

    struct devparts parts;
    memset(&parts, 0, sizeof(parts));
    const char *tname = NULL;
    rc = get_string(c, node, "template", where, 0, &tname);
    CHECK(rc);
    if (rc > 0) {
        size_t i = 0;
        while (i < n_templates && strcmp(templates[i].name, tname) != 0)
            i++;
        if (i == n_templates) {
            where_join(w, where, "template");
            return fail(c, map_get(c, node, "template"), w, "unknown template \"%s\"", tname);
        }
        parts = templates[i].parts;
        parts.labels[1] = NULL;
        parts.overrides[1] = NULL;
    }
    CHECK(parse_parts(c, node, where, 1, &parts));
    if (parts.n_groups == 0)
        return fail(c, node, where, "device needs port_groups (directly or from its template)");

    for (uint64_t k = 0; k < count; k++) {
        struct device dev;
        memset(&dev, 0, sizeof(dev));
        dev.name = expand_pattern(c, pattern, first + k);
        dev.vendor = parts.vendor ? parts.vendor : "switchsim";
        dev.model = parts.model ? parts.model : "generic";
        if (ld->fleet->n_devices >= SWITCHSIM_MAX_DEVICES)
            return fail(c, name_node, w, "more than the limit of %d devices",
                        SWITCHSIM_MAX_DEVICES);
        if (!strset_add(&ld->device_names, dev.name))
            return fail(c, name_node, w, "duplicate device name \"%s\"", dev.name);
        collect_labels(c, &parts, &dev);
        CHECK(build_ports(c, &parts, node, where, &dev));
        CHECK(apply_overrides(c, &parts, &dev));
        fleet_add_device(ld->fleet, &dev);
        if (fleet_series_count(ld->fleet) > SWITCHSIM_MAX_SERIES)
            return fail(c, node, where, "the fleet would expose more than the limit of %d series",
                        SWITCHSIM_MAX_SERIES);
    }
    return 0;
}

static int parse_root(struct pctx *c, yaml_node_t *root)
{
    CHECK(check_mapping(c, root, "profile", top_keys));
    yaml_node_t *node;
    if ((node = map_get(c, root, "simulation")))
        CHECK(parse_simulation(c, node));
    port_spec_defaults(&c->defaults);
    if ((node = map_get(c, root, "defaults"))) {
        CHECK(check_mapping(c, node, "defaults", settings_keys));
        CHECK(apply_settings(c, node, "defaults", &c->defaults));
    }
    struct tmpl *templates = NULL;
    size_t n_templates = 0;
    if ((node = map_get(c, root, "templates")))
        CHECK(parse_templates(c, node, &templates, &n_templates));
    node = map_get(c, root, "devices");
    if (!node)
        return fail(c, root, "profile", "missing required key \"devices\"");
    CHECK(expect_kind(c, node, YAML_SEQUENCE_NODE, "devices"));
    size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    if (n == 0)
        return fail(c, node, "devices", "must list at least one device");
    for (size_t i = 0; i < n; i++) {
        char w[WHERE_BYTES];
        where_printf(w, "devices[%zu]", i);
        CHECK(parse_device(c, node_get(c, node->data.sequence.items.start[i]), w, templates,
                           n_templates));
    }
    return 0;
}

static int read_file(const char *path, char **data, size_t *len, struct errbuf *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return errbuf_set(err, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
        fclose(fp);
        return errbuf_set(err, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > MAX_PROFILE_BYTES) {
        fclose(fp);
        return errbuf_set(err, "%s: larger than the limit of %u bytes", path, MAX_PROFILE_BYTES);
    }
    char *buf = xmalloc((size_t)st.st_size + 1);
    size_t got = fread(buf, 1, (size_t)st.st_size, fp);
    int failed = ferror(fp);
    fclose(fp);
    if (failed || got != (size_t)st.st_size) {
        free(buf);
        return errbuf_set(err, "%s: read error", path);
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return 0;
}

static int load_file(struct loader *ld, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    if (read_file(path, &data, &len, ld->err) < 0)
        return -1;
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    int rc = -1;
    int have_doc = 0;
    if (!yaml_parser_load(&parser, &doc)) {
        const yaml_mark_t *m = &parser.problem_mark;
        if (parser.context)
            errbuf_set(
                ld->err, "%s:%zu:%zu: YAML syntax error: %s (%s started at line %zu, column %zu)",
                path, m->line + 1, m->column + 1, parser.problem ? parser.problem : "",
                parser.context, parser.context_mark.line + 1, parser.context_mark.column + 1);
        else
            errbuf_set(ld->err, "%s:%zu:%zu: YAML syntax error: %s", path, m->line + 1,
                       m->column + 1, parser.problem ? parser.problem : "unknown error");
        goto out;
    }
    have_doc = 1;
    struct pctx c = {.ld = ld, .path = path, .doc = &doc};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        errbuf_set(ld->err, "%s: profile is empty", path);
        goto out;
    }
    rc = parse_root(&c, root);
    if (rc == 0) {
        yaml_document_t extra;
        if (yaml_parser_load(&parser, &extra)) {
            yaml_node_t *extra_root = yaml_document_get_root_node(&extra);
            if (extra_root)
                rc = fail(&c, extra_root, "profile",
                          "a profile file holds one YAML document; found a second");
            yaml_document_delete(&extra);
        }
    }
out:
    if (have_doc)
        yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    free(data);
    return rc;
}

static int is_profile_name(const char *name)
{
    size_t n = strlen(name);
    if (name[0] == '.')
        return 0;
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int load_dir(struct loader *ld, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errbuf_set(ld->err, "%s: cannot open directory: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_profile_name(e->d_name))
            continue;
        names = xrealloc(names, (n + 1) * sizeof(*names));
        size_t need = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = xmalloc(need);
        snprintf(names[n], need, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_str);
    int rc = n ? 0 : errbuf_set(ld->err, "%s: directory holds no *.yaml or *.yml profile", dir);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = load_file(ld, names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

int profile_load(const char *const *paths, size_t n_paths, struct fleet **out, struct errbuf *err)
{
    struct loader ld;
    memset(&ld, 0, sizeof(ld));
    ld.fleet = fleet_new();
    ld.err = err;
    strset_init(&ld.device_names);
    int rc = n_paths ? 0 : errbuf_set(err, "no profile given");
    for (size_t i = 0; i < n_paths && rc == 0; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
            rc = load_dir(&ld, paths[i]);
        else
            rc = load_file(&ld, paths[i]);
    }
    strset_cleanup(&ld.device_names);
    if (rc < 0) {
        fleet_free(ld.fleet);
        return -1;
    }
    *out = ld.fleet;
    return 0;
}
