/* yaml.h - YAML configuration files as trees of positioned nodes (the only libyaml user).
 *
 * A file is read whole, every document in it is parsed, and each node keeps the
 * 1-based line and column where it starts, so any later check can say
 * "FILE:LINE:COLUMN: WHERE: WHAT". Loading itself enforces what holds for every
 * configuration file, whatever its schema:
 *   - the path is a regular file (checked with stat() before opening, and with fstat()
 *     after an O_NONBLOCK open, so a FIFO or device never blocks the caller);
 *   - the file is at most limits.max_file_bytes long;
 *   - YAML syntax, in every document of the stream (not only the first);
 *   - nesting depth at most limits.max_depth, nodes at most limits.max_nodes, aliases
 *     counted by the size of what they repeat (no "billion laughs");
 *   - every scalar, keys included, is valid UTF-8 without NUL (a "\0" escape is refused,
 *     so "e1\0x" can never be taken for "e1").
 * All work is linear in the size of the input.
 *
 * Ownership: a struct yfile owns every node and string reachable from it; they live
 * until yfile_free(). Nodes are immutable. Threading: no shared state; one thread per
 * yfile.
 *
 * Validating a file against a key table (how a second file type, e.g. the web config
 * file with tls_server_config and basic_auth_users, is read; tests/test_profile.c,
 * test_yaml_layer_serves_a_web_config, does exactly this):
 *
 *     static const struct yload_limits limits = {
 *         .max_file_bytes = 1 << 20, .max_depth = 8, .max_nodes = 10000};
 *     struct yfile *f;
 *     if (yfile_load(path, &limits, &f, err) < 0)     // not a regular file, too big,
 *         return -1;                                  // "web.yml:3:1: YAML syntax error: ..."
 *     struct web_config cfg;
 *     memset(&cfg, 0, sizeof(cfg));
 *     schema_defaults(web_keys, &cfg);                // rows: see config/schema.h
 *     struct schema_ctx ctx = {.err = err};           // strings stay in f: keep f alive,
 *     const struct ynode *root = yfile_root(f);       // or set ctx.intern to copy them
 *     if (!root || schema_apply(&ctx, root, "web_config", web_keys, &cfg) < 0)
 *         ...  // "web.yml:2:3: web_config.tls_server_config: unknown key \"cert\" (expected
 *              //  one of: cert_file, key_file, min_version)"
 *     // a mapping with free keys (basic_auth_users: user -> hash): a SKIND_MAPPING row
 *     // without sub stores the node; check it with ymap_check(err, node, where, NULL)
 *     // (scalar, distinct keys) and each value with schema_value(&ctx, &row, value, w, NULL)
 *     yfile_free(f);
 *
 * Lower level, without a table: yexpect() checks a node's kind, ymap_check() checks a
 * mapping's keys (scalars, no duplicates, only the listed names), ymap_get() finds a
 * value, yfail() formats an error at a node with the same "FILE:LINE:COL: WHERE: WHAT"
 * shape. Several files' nodes can be used together: each node names its own file. */
#ifndef SWITCHSIM_CONFIG_YAML_H
#define SWITCHSIM_CONFIG_YAML_H

#include <stddef.h>

#include "base/errbuf.h"

enum ynode_kind { YNODE_SCALAR, YNODE_SEQUENCE, YNODE_MAPPING };

struct ypair;

struct ynode {
    enum ynode_kind kind;
    const char *file; /* the path given to yfile_load, for messages */
    size_t line;      /* 1-based */
    size_t column;    /* 1-based */
    /* YNODE_SCALAR: NUL-terminated, valid UTF-8, no NUL inside; len = strlen(text) */
    const char *text;
    size_t len;
    /* YNODE_SEQUENCE: items[0..n); YNODE_MAPPING: pairs[0..n) in document order */
    const struct ynode *const *items;
    const struct ypair *pairs;
    size_t n;
};

struct ypair {
    const struct ynode *key;
    const struct ynode *value;
};

struct yload_limits {
    size_t max_file_bytes;
    size_t max_depth; /* nested sequences and mappings; the root collection is depth 1 */
    size_t max_nodes; /* per file, aliases counted as the nodes they repeat */
};

struct yfile;

/* Loads every document of the file at path. On failure returns -1, leaves *out untouched
 * and fills err ("PATH: not a regular file", "PATH:LINE:COL: YAML syntax error: ..."). */
int yfile_load(const char *path, const struct yload_limits *limits, struct yfile **out,
               struct errbuf *err);
/* The same for bytes already in memory; name stands for the path in messages. */
int yfile_load_bytes(const char *name, const char *data, size_t len,
                     const struct yload_limits *limits, struct yfile **out, struct errbuf *err);
void yfile_free(struct yfile *f); /* NULL is a no-op */

const char *yfile_path(const struct yfile *f);
size_t yfile_documents(const struct yfile *f);
/* Root node of document i (0-based), or NULL when the document is empty. */
const struct ynode *yfile_document(const struct yfile *f, size_t i);
/* Root of the first document, or NULL when the file holds none or it is empty. */
const struct ynode *yfile_root(const struct yfile *f);

/* ---- errors ----------------------------------------------------------------------------
 * Messages are one line: "FILE:LINE:COL: WHERE: WHAT" (node given) or "WHERE: WHAT"
 * (node NULL). A message longer than the errbuf is cut on a UTF-8 boundary and ends
 * in "...". Every function that can fail returns -1 after filling err. */
int yfail(struct errbuf *err, const struct ynode *node, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "a scalar", "a list", "a mapping". */
const char *ynode_kind_name(enum ynode_kind kind);

/* Paths in messages: "devices[2].traffic.noise". A path longer than YWHERE_BYTES - 1
 * is cut on a UTF-8 boundary and ends in "..." (it only shortens a message). */
#define YWHERE_BYTES 256
void ywhere_key(char out[YWHERE_BYTES], const char *where, const char *key);
void ywhere_index(char out[YWHERE_BYTES], const char *where, size_t index);

/* "a, b, c" from a NULL-terminated list of names (for "expected one of" messages); a list
 * too long for out is cut after the last name that fits. */
void yjoin(const char *const *names, char *out, size_t out_bytes);

/* A value for messages: s itself, or its first bytes (on a UTF-8 boundary) and "...". */
#define YQUOTE_BYTES 80
const char *yquote(char out[YQUOTE_BYTES], const char *s);

/* ---- checks ---------------------------------------------------------------------------- */
int yexpect(struct errbuf *err, const struct ynode *node, enum ynode_kind kind, const char *where);
/* Checks that node is a mapping whose keys are distinct scalars and, if known is not NULL,
 * each one of the NULL-terminated names in known ("unknown key \"x\" (expected one of:
 * a, b)", "duplicate key \"x\" (first at line N)"). Linear in the number of keys. */
int ymap_check(struct errbuf *err, const struct ynode *node, const char *where,
               const char *const *known);
/* Value of key in a mapping, or NULL. Linear: for checked mappings with a few keys. */
const struct ynode *ymap_get(const struct ynode *map, const char *key);

#endif /* SWITCHSIM_CONFIG_YAML_H */
