/* schema.h - configuration keys as table rows: one row per key says its name, kind,
 * bounds, default, the field it fills and its documentation. Validation, defaults, the
 * bounds printed in messages and the documentation tables all read the same row, so
 * they cannot disagree, and a new key is one new row.
 *
 *     struct web_config { const char *cert_file; uint64_t max_conns; int mode; };
 *     static const char *const modes[] = {"off", "on", NULL};
 *     static const struct skey web_keys[] = {
 *         {.name = "cert_file", .kind = SKIND_TEXT, .offset = offsetof(struct web_config,
 *          cert_file), .max_bytes = 4096, .required = 1, .doc = "PEM certificate"},
 *         {.name = "max_conns", .kind = SKIND_U64, .offset = offsetof(struct web_config,
 *          max_conns), .min_u = 1, .max_u = 1024, .has_default = 1, .def_u = 64, .doc = "..."},
 *         {.name = "mode", .kind = SKIND_ENUM, .offset = offsetof(struct web_config, mode),
 *          .choices = modes, .has_default = 1, .def_enum = 0, .doc = "..."},
 *         {0}};
 *     struct web_config cfg;
 *     schema_defaults(web_keys, &cfg);
 *     struct schema_ctx ctx = {.err = err};       // strings point into the yfile
 *     if (schema_apply(&ctx, root, "web_config", web_keys, &cfg) < 0)
 *         ...  // err: "web.yml:4:14: web_config.max_conns: 2000 is out of range [1, 1024]"
 *
 * A table ends with a row whose name is NULL. Rows are immutable; everything here is
 * reentrant. Fields are written through the row's offset into the caller's target and
 * must have the C type the kind names. */
#ifndef SWITCHSIM_CONFIG_SCHEMA_H
#define SWITCHSIM_CONFIG_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "base/errbuf.h"
#include "base/strbuf.h"
#include "config/yaml.h"

enum skind {
    SKIND_DURATION_MS, /* uint64_t; "500ms", "30s", "1h30m"; bounds min_u/max_u */
    SKIND_SIZE_BYTES,  /* uint64_t; "12MiB", "9216B" */
    SKIND_SPEED_BPS,   /* uint64_t; "25G", "400Gb/s" */
    SKIND_U64,         /* uint64_t; "42" */
    SKIND_RATIO,       /* double; "0.35", "35%"; bounds min_d/max_d (max_open: < max_d) */
    SKIND_REAL,        /* double; "2.5" */
    SKIND_NAME,        /* const char *; non-empty, no control characters, <= max_bytes */
    SKIND_TEXT,        /* const char *; may be empty, tabs and newlines allowed, <= max_bytes */
    SKIND_ENUM,        /* int; index of the value in choices */
    SKIND_MAPPING,     /* with sub: its keys, fields at target + offset (a nested struct);
                        * without sub: const struct ynode * stored, the caller reads it */
    SKIND_LIST,        /* const struct ynode * (a sequence) stored, the caller reads it */
    SKIND_INCLUDE,     /* the keys of sub at this level, fields at target + offset */
};

/* offset of a row whose value is checked but not stored */
#define SKEY_NO_FIELD ((size_t)-1)

struct skey {
    const char *name;
    enum skind kind;
    int required;
    size_t offset;
    /* bounds of the integer kinds; zero_or_min_u > 0 allows 0 or [zero_or_min_u, max_u] */
    uint64_t min_u;
    uint64_t max_u;
    uint64_t zero_or_min_u;
    const char *zero_means; /* what 0 means there, e.g. "never fails" */
    /* bounds of the real kinds */
    double min_d;
    double max_d;
    size_t max_bytes;           /* SKIND_NAME, SKIND_TEXT */
    const char *const *choices; /* SKIND_ENUM, NULL-terminated */
    const struct skey *sub;     /* SKIND_MAPPING, SKIND_INCLUDE */
    /* default written by schema_defaults() (has_default = 1), shown in the docs */
    uint64_t def_u;
    double def_d;
    const char *def_s;
    const char *doc_default; /* docs text when there is no value default ("none") */
    const char *doc;
    int max_open; /* real kinds: the range excludes max_d */
    int has_default;
    int def_enum;
    int doc_inline; /* docs: list a nested mapping's keys as "name.key" rows, or an
                     * include's keys in this table (else the include is not listed) */
};

struct schema_ctx {
    struct errbuf *err;
    /* Copies a string that must outlive the yfile; NULL keeps pointers into the yfile. */
    const char *(*intern)(void *user, const char *s, size_t len);
    void *intern_user;
};

/* Checks that node is a mapping whose keys are distinct scalars, each named by a row
 * (through includes), and that every required row is present. */
int schema_check(const struct schema_ctx *ctx, const struct ynode *node, const char *where,
                 const struct skey *table);
/* schema_check(), then parses and range-checks every key present, in document order, and
 * writes its field (target NULL: checks only). Fields of absent keys are left alone. */
int schema_apply(const struct schema_ctx *ctx, const struct ynode *node, const char *where,
                 const struct skey *table, void *target);
/* Parses one value as row says (kind, bounds) and writes it at field_out (NULL: check only);
 * for a nested mapping, field_out is the nested struct. For values whose key is not fixed,
 * such as the values of a free-form mapping. */
int schema_value(const struct schema_ctx *ctx, const struct skey *row, const struct ynode *node,
                 const char *where, void *field_out);
/* Writes every row's default (has_default) into target, nested and included rows too. */
void schema_defaults(const struct skey *table, void *target);
/* The row named name (through includes, not into nested mappings), or NULL. */
const struct skey *schema_find(const struct skey *table, const char *name);

/* Text of a row's default ("`10G`", "**required**", its doc_default, or "none") and of
 * its allowed values ("[1M, 1.6T]", "`auto`, `up`, `down`", "1 to 255 bytes"); the same
 * words errors use. */
void schema_default_text(const struct skey *row, char *out, size_t out_bytes);
void schema_range_text(const struct skey *row, char *out, size_t out_bytes);
/* A value of the row's kind as a person writes it: 5000 ms -> "5s", 4194304 -> "4MiB". */
void schema_value_text(const struct skey *row, uint64_t u, double d, char *out, size_t out_bytes);

/* Appends the table as a Markdown table "| key | kind | default | allowed | meaning |",
 * one line per row (nested rows with doc_inline as "name.key"). */
void schema_doc_table(const struct skey *table, struct strbuf *out);

#endif /* SWITCHSIM_CONFIG_SCHEMA_H */
