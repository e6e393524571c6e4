/* schema.c - table-driven configuration keys over YAML nodes. */
#include "config/schema.h"

#include <stdio.h>
#include <string.h>

#include "base/units.h"

static int is_unsigned(enum skind kind)
{
    return kind == SKIND_DURATION_MS || kind == SKIND_SIZE_BYTES || kind == SKIND_SPEED_BPS ||
           kind == SKIND_U64;
}

static int is_real(enum skind kind)
{
    return kind == SKIND_RATIO || kind == SKIND_REAL;
}

const struct skey *schema_find(const struct skey *table, const char *name)
{
    for (const struct skey *row = table; row->name; row++) {
        if (row->kind == SKIND_INCLUDE) {
            const struct skey *found = schema_find(row->sub, name);
            if (found)
                return found;
        } else if (strcmp(row->name, name) == 0) {
            return row;
        }
    }
    return NULL;
}

/* The offset of an included row's field relative to the table's target. */
static const struct skey *find_with_base(const struct skey *table, const char *name, size_t *base)
{
    for (const struct skey *row = table; row->name; row++) {
        if (row->kind == SKIND_INCLUDE) {
            size_t inner = 0;
            const struct skey *found = find_with_base(row->sub, name, &inner);
            if (found) {
                *base = row->offset + inner;
                return found;
            }
        } else if (strcmp(row->name, name) == 0) {
            *base = 0;
            return row;
        }
    }
    return NULL;
}

static size_t list_names(const struct skey *table, char *out, size_t size, size_t n)
{
    for (const struct skey *row = table; row->name; row++) {
        if (row->kind == SKIND_INCLUDE) {
            n = list_names(row->sub, out, size, n);
            continue;
        }
        if (n >= size)
            break;
        int w = snprintf(out + n, size - n, "%s%s", n ? ", " : "", row->name);
        if (w < 0 || (size_t)w >= size - n) {
            out[n] = '\0';
            return size;
        }
        n += (size_t)w;
    }
    return n;
}

static int check_required(const struct schema_ctx *ctx, const struct ynode *node, const char *where,
                          const struct skey *table)
{
    for (const struct skey *row = table; row->name; row++) {
        if (row->kind == SKIND_INCLUDE) {
            if (check_required(ctx, node, where, row->sub) < 0)
                return -1;
        } else if (row->required && !ymap_get(node, row->name)) {
            return yfail(ctx->err, node, where, "missing required key \"%s\"", row->name);
        }
    }
    return 0;
}

int schema_check(const struct schema_ctx *ctx, const struct ynode *node, const char *where,
                 const struct skey *table)
{
    if (ymap_check(ctx->err, node, where, NULL) < 0)
        return -1;
    for (size_t i = 0; i < node->n; i++) {
        const struct ynode *key = node->pairs[i].key;
        if (schema_find(table, key->text))
            continue;
        char list[ERRBUF_MSG_BYTES / 2] = "";
        list_names(table, list, sizeof(list), 0);
        char q[YQUOTE_BYTES];
        return yfail(ctx->err, key, where, "unknown key \"%s\" (expected one of: %s)",
                     yquote(q, key->text), list);
    }
    return check_required(ctx, node, where, table);
}

/* ---- values as text ------------------------------------------------------------------- */

static void duration_text(uint64_t ms, char *out, size_t size)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"y", 365ULL * 86400000},
                 {"d", 86400000},
                 {"h", 3600000},
                 {"m", 60000},
                 {"s", 1000},
                 {"ms", 1}};
    if (ms == 0) {
        snprintf(out, size, "0");
        return;
    }
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && ms; i++) {
        if (ms < units[i].ms)
            continue;
        int w = snprintf(out + n, size - n, "%llu%s", (unsigned long long)(ms / units[i].ms),
                         units[i].unit);
        if (w < 0 || (size_t)w >= size - n)
            return;
        n += (size_t)w;
        ms %= units[i].ms;
    }
}

static void size_text(uint64_t bytes, char *out, size_t size)
{
    static const struct {
        const char *unit;
        uint64_t factor;
    } units[] = {{"TiB", 1ULL << 40}, {"GiB", 1ULL << 30}, {"MiB", 1ULL << 20}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (bytes >= units[i].factor && bytes % units[i].factor == 0) {
            snprintf(out, size, "%llu%s", (unsigned long long)(bytes / units[i].factor),
                     units[i].unit);
            return;
        }
    /* KiB only for powers of two (512KiB), so a jumbo frame stays 9216B */
    uint64_t k = bytes / 1024;
    if (bytes >= 1024 && bytes % 1024 == 0 && (k & (k - 1)) == 0) {
        snprintf(out, size, "%lluKiB", (unsigned long long)k);
        return;
    }
    snprintf(out, size, "%lluB", (unsigned long long)bytes);
}

static void speed_text(uint64_t bps, char *out, size_t size)
{
    static const struct {
        const char *unit;
        uint64_t factor;
    } units[] = {{"T", 1000000000000ULL}, {"G", 1000000000ULL}, {"M", 1000000ULL}, {"K", 1000ULL}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (bps >= units[i].factor) {
            snprintf(out, size, "%.15g%s", (double)bps / (double)units[i].factor, units[i].unit);
            return;
        }
    snprintf(out, size, "%llu", (unsigned long long)bps);
}

void schema_value_text(const struct skey *row, uint64_t u, double d, char *out, size_t out_bytes)
{
    switch (row->kind) {
    case SKIND_DURATION_MS:
        duration_text(u, out, out_bytes);
        break;
    case SKIND_SIZE_BYTES:
        size_text(u, out, out_bytes);
        break;
    case SKIND_SPEED_BPS:
        speed_text(u, out, out_bytes);
        break;
    case SKIND_U64:
        snprintf(out, out_bytes, "%llu", (unsigned long long)u);
        break;
    case SKIND_RATIO:
    case SKIND_REAL:
        snprintf(out, out_bytes, "%g", d);
        break;
    default:
        snprintf(out, out_bytes, "?");
        break;
    }
}

void schema_range_text(const struct skey *row, char *out, size_t out_bytes)
{
    char lo[48], hi[48];
    out[0] = '\0';
    if (is_unsigned(row->kind)) {
        schema_value_text(row, row->zero_or_min_u ? row->zero_or_min_u : row->min_u, 0, lo,
                          sizeof(lo));
        schema_value_text(row, row->max_u, 0, hi, sizeof(hi));
        snprintf(out, out_bytes, "%s[%s, %s]", row->zero_or_min_u ? "0 or " : "", lo, hi);
    } else if (is_real(row->kind)) {
        snprintf(out, out_bytes, "[%g, %g%s", row->min_d, row->max_d, row->max_open ? ")" : "]");
    } else if (row->kind == SKIND_NAME) {
        snprintf(out, out_bytes, "1 to %zu bytes", row->max_bytes);
    } else if (row->kind == SKIND_TEXT) {
        snprintf(out, out_bytes, "0 to %zu bytes", row->max_bytes);
    } else if (row->kind == SKIND_ENUM) {
        size_t n = 0;
        for (const char *const *c = row->choices; *c; c++) {
            int w = snprintf(out + n, out_bytes - n, "%s`%s`", n ? ", " : "", *c);
            if (w < 0 || (size_t)w >= out_bytes - n)
                break;
            n += (size_t)w;
        }
    }
}

void schema_default_text(const struct skey *row, char *out, size_t out_bytes)
{
    char v[64];
    if (row->required) {
        snprintf(out, out_bytes, "**required**");
    } else if (!row->has_default) {
        snprintf(out, out_bytes, "%s", row->doc_default ? row->doc_default : "none");
    } else if (is_unsigned(row->kind) || is_real(row->kind)) {
        schema_value_text(row, row->def_u, row->def_d, v, sizeof(v));
        snprintf(out, out_bytes, "`%s`", v);
    } else if (row->kind == SKIND_ENUM) {
        snprintf(out, out_bytes, "`%s`", row->choices[row->def_enum]);
    } else if (row->kind == SKIND_NAME || row->kind == SKIND_TEXT) {
        snprintf(out, out_bytes, *row->def_s ? "`%s`" : "`\"%s\"`", row->def_s);
    } else {
        snprintf(out, out_bytes, "none");
    }
}

/* ---- parsing -------------------------------------------------------------------------- */

static int parse_unsigned(const struct schema_ctx *ctx, const struct skey *row,
                          const struct ynode *node, const char *where, uint64_t *out)
{
    typedef int (*parser_fn)(const char *, uint64_t *, struct errbuf *);
    parser_fn parse = row->kind == SKIND_DURATION_MS  ? units_parse_duration_ms
                      : row->kind == SKIND_SIZE_BYTES ? units_parse_size_bytes
                      : row->kind == SKIND_SPEED_BPS  ? units_parse_speed_bps
                                                      : units_parse_u64;
    struct errbuf why;
    uint64_t v = 0;
    if (parse(node->text, &v, &why) < 0)
        return yfail(ctx->err, node, where, "%s", why.msg);
    char q[YQUOTE_BYTES];
    if (row->zero_or_min_u && v > 0 && v < row->zero_or_min_u) {
        char lo[48];
        schema_value_text(row, row->zero_or_min_u, 0, lo, sizeof(lo));
        if (row->zero_means)
            return yfail(ctx->err, node, where, "must be 0 (%s) or at least %s", row->zero_means,
                         lo);
        return yfail(ctx->err, node, where, "must be 0 or at least %s", lo);
    }
    if ((!row->zero_or_min_u && v < row->min_u) || v > row->max_u) {
        char range[128];
        schema_range_text(row, range, sizeof(range));
        return yfail(ctx->err, node, where, "%s is out of range %s", yquote(q, node->text), range);
    }
    *out = v;
    return 0;
}

static int parse_real(const struct schema_ctx *ctx, const struct skey *row,
                      const struct ynode *node, const char *where, double *out)
{
    struct errbuf why;
    double v = 0;
    if ((row->kind == SKIND_RATIO ? units_parse_ratio : units_parse_double)(node->text, &v, &why) <
        0)
        return yfail(ctx->err, node, where, "%s", why.msg);
    if (v < row->min_d || v > row->max_d || (row->max_open && v >= row->max_d)) {
        char range[128];
        char q[YQUOTE_BYTES];
        schema_range_text(row, range, sizeof(range));
        return yfail(ctx->err, node, where, "%s is out of range %s", yquote(q, node->text), range);
    }
    *out = v;
    return 0;
}

static int parse_string(const struct schema_ctx *ctx, const struct skey *row,
                        const struct ynode *node, const char *where, const char **out)
{
    int free_text = row->kind == SKIND_TEXT;
    if (!free_text && node->len == 0)
        return yfail(ctx->err, node, where, "must not be empty");
    for (const char *p = node->text; *p; p++)
        if (((unsigned char)*p < 0x20 && !(free_text && (*p == '\t' || *p == '\n'))) || *p == 0x7F)
            return yfail(ctx->err, node, where, "control characters are not allowed");
    if (node->len > row->max_bytes) {
        char q[YQUOTE_BYTES];
        return yfail(ctx->err, node, where, "\"%s\" is %zu bytes, more than the limit of %zu",
                     yquote(q, node->text), node->len, row->max_bytes);
    }
    *out = ctx->intern ? ctx->intern(ctx->intern_user, node->text, node->len) : node->text;
    return 0;
}

static int parse_enum(const struct schema_ctx *ctx, const struct skey *row,
                      const struct ynode *node, const char *where, int *out)
{
    for (int i = 0; row->choices[i]; i++)
        if (strcmp(row->choices[i], node->text) == 0) {
            *out = i;
            return 0;
        }
    char list[ERRBUF_MSG_BYTES / 2];
    yjoin(row->choices, list, sizeof(list));
    char q[YQUOTE_BYTES];
    return yfail(ctx->err, node, where, "expected one of %s, got \"%s\"", list,
                 yquote(q, node->text));
}

int schema_value(const struct schema_ctx *ctx, const struct skey *row, const struct ynode *node,
                 const char *where, void *field_out)
{
    char *field = field_out;
    int store = field != NULL;
    switch (row->kind) {
    case SKIND_MAPPING:
        if (row->sub)
            return schema_apply(ctx, node, where, row->sub, field);
        if (yexpect(ctx->err, node, YNODE_MAPPING, where) < 0)
            return -1;
        if (store)
            memcpy(field, &node, sizeof(const struct ynode *));
        return 0;
    case SKIND_LIST:
        if (yexpect(ctx->err, node, YNODE_SEQUENCE, where) < 0)
            return -1;
        if (store)
            memcpy(field, &node, sizeof(const struct ynode *));
        return 0;
    case SKIND_INCLUDE:
        return 0; /* never found by name */
    default:
        break;
    }
    if (yexpect(ctx->err, node, YNODE_SCALAR, where) < 0)
        return -1;
    if (is_unsigned(row->kind)) {
        uint64_t v = 0;
        if (parse_unsigned(ctx, row, node, where, &v) < 0)
            return -1;
        if (store)
            memcpy(field, &v, sizeof(v));
    } else if (is_real(row->kind)) {
        double v = 0;
        if (parse_real(ctx, row, node, where, &v) < 0)
            return -1;
        if (store)
            memcpy(field, &v, sizeof(v));
    } else if (row->kind == SKIND_ENUM) {
        int v = 0;
        if (parse_enum(ctx, row, node, where, &v) < 0)
            return -1;
        if (store)
            memcpy(field, &v, sizeof(v));
    } else {
        const char *v = NULL;
        if (parse_string(ctx, row, node, where, &v) < 0)
            return -1;
        if (store)
            memcpy(field, &v, sizeof(v));
    }
    return 0;
}

int schema_apply(const struct schema_ctx *ctx, const struct ynode *node, const char *where,
                 const struct skey *table, void *target)
{
    if (schema_check(ctx, node, where, table) < 0)
        return -1;
    for (size_t i = 0; i < node->n; i++) {
        size_t base = 0;
        const struct skey *row = find_with_base(table, node->pairs[i].key->text, &base);
        char w[YWHERE_BYTES];
        ywhere_key(w, where, row->name);
        char *field = NULL; /* NULL target: check only */
        if (target && row->kind == SKIND_MAPPING && row->sub)
            field = (char *)target + base + (row->offset == SKEY_NO_FIELD ? 0 : row->offset);
        else if (target && row->offset != SKEY_NO_FIELD)
            field = (char *)target + base + row->offset;
        if (schema_value(ctx, row, node->pairs[i].value, w, field) < 0)
            return -1;
    }
    return 0;
}

void schema_defaults(const struct skey *table, void *target)
{
    for (const struct skey *row = table; row->name; row++) {
        char *field = (char *)target + (row->offset == SKEY_NO_FIELD ? 0 : row->offset);
        if (row->kind == SKIND_INCLUDE || (row->kind == SKIND_MAPPING && row->sub)) {
            schema_defaults(row->sub, field);
            continue;
        }
        if (!row->has_default || row->offset == SKEY_NO_FIELD)
            continue;
        if (is_unsigned(row->kind))
            memcpy(field, &row->def_u, sizeof(row->def_u));
        else if (is_real(row->kind))
            memcpy(field, &row->def_d, sizeof(row->def_d));
        else if (row->kind == SKIND_ENUM)
            memcpy(field, &row->def_enum, sizeof(row->def_enum));
        else if (row->kind == SKIND_NAME || row->kind == SKIND_TEXT)
            memcpy(field, &row->def_s, sizeof(row->def_s));
    }
}

/* ---- documentation -------------------------------------------------------------------- */

static const char *kind_text(enum skind kind)
{
    switch (kind) {
    case SKIND_DURATION_MS:
        return "duration";
    case SKIND_SIZE_BYTES:
        return "size";
    case SKIND_SPEED_BPS:
        return "speed";
    case SKIND_U64:
        return "integer";
    case SKIND_RATIO:
        return "ratio";
    case SKIND_REAL:
        return "number";
    case SKIND_NAME:
        return "name";
    case SKIND_TEXT:
        return "text";
    case SKIND_ENUM:
        return "one of";
    case SKIND_MAPPING:
        return "mapping";
    case SKIND_LIST:
        return "list";
    case SKIND_INCLUDE:
        break;
    }
    return "";
}

static void doc_rows(const struct skey *table, const char *prefix, struct strbuf *out)
{
    for (const struct skey *row = table; row->name; row++) {
        if (row->kind == SKIND_INCLUDE) {
            if (row->doc_inline)
                doc_rows(row->sub, prefix, out);
            continue;
        }
        char name[YWHERE_BYTES];
        ywhere_key(name, prefix, row->name);
        if (row->kind == SKIND_MAPPING && row->sub && row->doc_inline) {
            doc_rows(row->sub, name, out);
            continue;
        }
        char def[128], range[256];
        schema_default_text(row, def, sizeof(def));
        schema_range_text(row, range, sizeof(range));
        strbuf_appendf(out, "| `%s` | %s | %s | %s | %s |\n", name, kind_text(row->kind), def,
                       range, row->doc ? row->doc : "");
    }
}

void schema_doc_table(const struct skey *table, struct strbuf *out)
{
    strbuf_puts(out, "| key | kind | default | allowed | meaning |\n|---|---|---|---|---|\n");
    doc_rows(table, "", out);
}
