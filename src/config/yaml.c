/* yaml.c - YAML files as trees of positioned nodes (the only user of libyaml).
 *
 * Built from libyaml's event API rather than its document API so that nesting depth and
 * node counts are checked while parsing (the scanner never runs far ahead of the events)
 * and so that every document of a stream is read. */
#include "config/yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "base/arena.h"
#include "base/file.h"
#include "base/xalloc.h"
#include "model/model.h"

struct yfile {
    char *path;
    struct arena arena;
    const struct ynode **docs;
    size_t n_docs;
    size_t cap_docs;
};

/* ---- messages ------------------------------------------------------------------------- */

/* Length of the longest prefix of s[0..len) that does not end inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t len)
{
    while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
        len--;
    return len;
}

/* Copies src into out[size], cutting on a UTF-8 boundary and ending in "..." if needed. */
static void copy_cut(char *out, size_t size, const char *src)
{
    size_t len = strlen(src);
    if (len < size) {
        memcpy(out, src, len + 1);
        return;
    }
    size_t keep = utf8_cut(src, size - 4);
    memcpy(out, src, keep);
    memcpy(out + keep, "...", 4);
}

int yfail(struct errbuf *err, const struct ynode *node, const char *where, const char *fmt, ...)
{
    char what[2 * ERRBUF_MSG_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    char line[2 * ERRBUF_MSG_BYTES + YWHERE_BYTES + 64];
    if (node)
        snprintf(line, sizeof(line), "%s:%zu:%zu: %s: %s", node->file, node->line, node->column,
                 where, what);
    else
        snprintf(line, sizeof(line), "%s: %s", where, what);
    if (err)
        copy_cut(err->msg, sizeof(err->msg), line);
    return -1;
}

const char *ynode_kind_name(enum ynode_kind kind)
{
    switch (kind) {
    case YNODE_SCALAR:
        return "a scalar";
    case YNODE_SEQUENCE:
        return "a list";
    case YNODE_MAPPING:
        return "a mapping";
    }
    return "nothing";
}

void ywhere_key(char out[YWHERE_BYTES], const char *where, const char *key)
{
    char buf[2 * YWHERE_BYTES];
    snprintf(buf, sizeof(buf), "%s%s%s", where, *where ? "." : "", key);
    copy_cut(out, YWHERE_BYTES, buf);
}

void ywhere_index(char out[YWHERE_BYTES], const char *where, size_t index)
{
    char buf[YWHERE_BYTES + 32];
    snprintf(buf, sizeof(buf), "%s[%zu]", where, index);
    copy_cut(out, YWHERE_BYTES, buf);
}

void yjoin(const char *const *names, char *out, size_t out_bytes)
{
    size_t n = 0;
    out[0] = '\0';
    for (const char *const *name = names; *name; name++) {
        int w = snprintf(out + n, out_bytes - n, "%s%s", n ? ", " : "", *name);
        if (w < 0 || (size_t)w >= out_bytes - n) {
            out[n] = '\0'; /* drop the partial name */
            break;
        }
        n += (size_t)w;
    }
}

const char *yquote(char out[YQUOTE_BYTES], const char *s)
{
    copy_cut(out, YQUOTE_BYTES, s);
    return out;
}

/* ---- checks --------------------------------------------------------------------------- */

int yexpect(struct errbuf *err, const struct ynode *node, enum ynode_kind kind, const char *where)
{
    if (node->kind == kind)
        return 0;
    return yfail(err, node, where, "expected %s, got %s", ynode_kind_name(kind),
                 ynode_kind_name(node->kind));
}

/* Mappings up to this size are checked for duplicates pairwise, larger ones with a set. */
#define SMALL_MAPPING 16

static int check_keys_unique(struct errbuf *err, const struct ynode *node, const char *where)
{
    if (node->n <= SMALL_MAPPING) {
        for (size_t i = 1; i < node->n; i++)
            for (size_t j = 0; j < i; j++)
                if (strcmp(node->pairs[i].key->text, node->pairs[j].key->text) == 0) {
                    char q[YQUOTE_BYTES];
                    return yfail(err, node->pairs[i].key, where,
                                 "duplicate key \"%s\" (first at line %zu)",
                                 yquote(q, node->pairs[i].key->text), node->pairs[j].key->line);
                }
        return 0;
    }
    struct strmap seen;
    strmap_init(&seen);
    int rc = 0;
    for (size_t i = 0; i < node->n && rc == 0; i++) {
        size_t first = 0;
        if (!strmap_put(&seen, node->pairs[i].key->text, i, &first)) {
            char q[YQUOTE_BYTES];
            rc = yfail(err, node->pairs[i].key, where, "duplicate key \"%s\" (first at line %zu)",
                       yquote(q, node->pairs[i].key->text), node->pairs[first].key->line);
        }
    }
    strmap_cleanup(&seen);
    return rc;
}

int ymap_check(struct errbuf *err, const struct ynode *node, const char *where,
               const char *const *known)
{
    if (yexpect(err, node, YNODE_MAPPING, where) < 0)
        return -1;
    for (size_t i = 0; i < node->n; i++) {
        const struct ynode *key = node->pairs[i].key;
        if (key->kind != YNODE_SCALAR)
            return yfail(err, key, where, "mapping keys must be scalars, got %s",
                         ynode_kind_name(key->kind));
    }
    if (check_keys_unique(err, node, where) < 0)
        return -1;
    if (!known)
        return 0;
    for (size_t i = 0; i < node->n; i++) {
        const char *k = node->pairs[i].key->text;
        int found = 0;
        for (const char *const *kn = known; *kn && !found; kn++)
            found = strcmp(*kn, k) == 0;
        if (found)
            continue;
        char list[ERRBUF_MSG_BYTES / 2];
        yjoin(known, list, sizeof(list));
        char q[YQUOTE_BYTES];
        return yfail(err, node->pairs[i].key, where, "unknown key \"%s\" (expected one of: %s)",
                     yquote(q, k), list);
    }
    return 0;
}

const struct ynode *ymap_get(const struct ynode *map, const char *key)
{
    if (map->kind != YNODE_MAPPING)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (map->pairs[i].key->kind == YNODE_SCALAR && strcmp(map->pairs[i].key->text, key) == 0)
            return map->pairs[i].value;
    return NULL;
}

/* ---- loading -------------------------------------------------------------------------- */

/* Strict UTF-8 (RFC 3629): no overlong forms, surrogates or code points above U+10FFFF.
 * Returns the offset of the first bad byte, or len if all is well. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            min = 0x10000;
        } else {
            return i;
        }
        if (len - i <= n)
            return i;
        unsigned cp = c & (0x3F >> n);
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}

/* One collection being built: its node and the children seen so far. */
struct frame {
    struct ynode *node;
    const char *anchor; /* registered when the collection ends (no alias into itself) */
    void **children;    /* items, or keys and values alternating */
    size_t n;
    size_t cap;
    size_t weight; /* nodes below, aliases counted as what they repeat */
};

struct builder {
    struct yfile *f;
    const struct yload_limits *limits;
    struct errbuf *err;
    struct frame *stack;
    size_t depth;
    size_t nodes; /* counted against limits->max_nodes */
    struct strmap anchors;
    const struct ynode **anchored;
    size_t *anchored_weight;
    size_t n_anchored;
    size_t cap_anchored;
    const struct ynode *root;
};

static struct ynode *new_node(struct builder *b, enum ynode_kind kind, const yaml_mark_t *mark)
{
    struct ynode *node = arena_alloc(&b->f->arena, sizeof(*node));
    node->kind = kind;
    node->file = b->f->path;
    node->line = mark->line + 1;
    node->column = mark->column + 1;
    return node;
}

static int count_nodes(struct builder *b, const struct ynode *at, size_t n)
{
    if (n > b->limits->max_nodes - b->nodes)
        return yfail(b->err, at, "YAML",
                     "more than the limit of %zu nodes (an alias counts as the nodes it repeats)",
                     b->limits->max_nodes);
    b->nodes += n;
    return 0;
}

/* Attaches a finished node (weight = nodes it stands for) to the open collection. */
static int attach(struct builder *b, const struct ynode *node, size_t weight)
{
    if (b->depth == 0) {
        b->root = node;
        return 0;
    }
    struct frame *fr = &b->stack[b->depth - 1];
    if (fr->n == fr->cap) {
        fr->cap = fr->cap ? fr->cap * 2 : 8;
        fr->children = xrealloc(fr->children, fr->cap * sizeof(*fr->children));
    }
    fr->children[fr->n++] = (void *)(uintptr_t)node;
    fr->weight += weight;
    return 0;
}

static int remember_anchor(struct builder *b, const char *anchor, const struct ynode *node,
                           size_t weight)
{
    if (!anchor)
        return 0;
    if (b->n_anchored == b->cap_anchored) {
        b->cap_anchored = b->cap_anchored ? b->cap_anchored * 2 : 16;
        b->anchored = xrealloc(b->anchored, b->cap_anchored * sizeof(const struct ynode *));
        b->anchored_weight =
            xrealloc(b->anchored_weight, b->cap_anchored * sizeof(*b->anchored_weight));
    }
    b->anchored[b->n_anchored] = node;
    b->anchored_weight[b->n_anchored] = weight;
    /* A later anchor of the same name wins, as YAML says; strmap_put keeps the first. */
    const char *key = arena_strndup(&b->f->arena, anchor, strlen(anchor));
    size_t old = 0;
    if (!strmap_put(&b->anchors, key, b->n_anchored, &old)) {
        b->anchored[old] = node;
        b->anchored_weight[old] = weight;
    } else {
        b->n_anchored++;
    }
    return 0;
}

static const char *copy_anchor(struct builder *b, const yaml_char_t *anchor)
{
    if (!anchor)
        return NULL;
    return arena_strndup(&b->f->arena, (const char *)anchor, strlen((const char *)anchor));
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
    struct ynode *node = new_node(b, YNODE_SCALAR, &ev->start_mark);
    if (count_nodes(b, node, 1) < 0)
        return -1;
    const char *value = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (memchr(value, '\0', len))
        return yfail(b->err, node, "YAML", "a NUL character (\\0) is not allowed in a scalar");
    size_t bad = utf8_invalid_at((const unsigned char *)value, len);
    if (bad < len)
        return yfail(b->err, node, "YAML", "scalar is not valid UTF-8 (byte %zu)", bad + 1);
    node->text = arena_strndup(&b->f->arena, value, len);
    node->len = len;
    if (remember_anchor(b, (const char *)ev->data.scalar.anchor, node, 1) < 0)
        return -1;
    return attach(b, node, 1);
}

static int on_start(struct builder *b, const yaml_event_t *ev, enum ynode_kind kind)
{
    struct ynode *node = new_node(b, kind, &ev->start_mark);
    if (count_nodes(b, node, 1) < 0)
        return -1;
    if (b->depth >= b->limits->max_depth)
        return yfail(b->err, node, "YAML", "nested deeper than the limit of %zu levels",
                     b->limits->max_depth);
    const yaml_char_t *anchor =
        kind == YNODE_MAPPING ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    struct frame *fr = &b->stack[b->depth++];
    fr->node = node;
    fr->anchor = copy_anchor(b, anchor);
    fr->n = 0;
    fr->weight = 1;
    return 0;
}

static int on_end(struct builder *b)
{
    struct frame *fr = &b->stack[--b->depth];
    struct ynode *node = fr->node;
    if (node->kind == YNODE_SEQUENCE) {
        const struct ynode **items =
            arena_alloc(&b->f->arena, (fr->n ? fr->n : 1) * sizeof(const struct ynode *));
        for (size_t i = 0; i < fr->n; i++)
            items[i] = fr->children[i];
        node->items = items;
        node->n = fr->n;
    } else {
        struct ypair *pairs =
            arena_alloc(&b->f->arena, (fr->n / 2 ? fr->n / 2 : 1) * sizeof(*pairs));
        for (size_t i = 0; i + 1 < fr->n; i += 2) {
            pairs[i / 2].key = fr->children[i];
            pairs[i / 2].value = fr->children[i + 1];
        }
        node->pairs = pairs;
        node->n = fr->n / 2;
    }
    size_t weight = fr->weight;
    if (remember_anchor(b, fr->anchor, node, weight) < 0)
        return -1;
    return attach(b, node, weight);
}

static int on_alias(struct builder *b, const yaml_event_t *ev)
{
    size_t i = 0;
    const char *name = (const char *)ev->data.alias.anchor;
    if (!strmap_get(&b->anchors, name, &i)) {
        struct ynode at = {.file = b->f->path,
                           .line = ev->start_mark.line + 1,
                           .column = ev->start_mark.column + 1};
        char q[YQUOTE_BYTES];
        return yfail(b->err, &at, "YAML", "alias *%s names no earlier anchor", yquote(q, name));
    }
    if (count_nodes(b, b->anchored[i], b->anchored_weight[i]) < 0)
        return -1;
    return attach(b, b->anchored[i], b->anchored_weight[i]);
}

/* 1-based line and column (in characters) of byte offset in data. */
static void position_of(const char *data, size_t len, size_t offset, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < offset && i < len; i++) {
        if (data[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)data[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

static int syntax_error(const yaml_parser_t *parser, const char *name, const char *data, size_t len,
                        struct errbuf *err)
{
    const yaml_mark_t *m = &parser->problem_mark;
    const char *problem = parser->problem ? parser->problem : "unknown error";
    if (parser->error == YAML_READER_ERROR) {
        size_t line, col;
        position_of(data, len, parser->problem_offset, &line, &col);
        return errbuf_set(err, "%s:%zu:%zu: YAML syntax error: %s", name, line, col, problem);
    }
    if (parser->context)
        return errbuf_set(err,
                          "%s:%zu:%zu: YAML syntax error: %s (%s started at line %zu, column %zu)",
                          name, m->line + 1, m->column + 1, problem, parser->context,
                          parser->context_mark.line + 1, parser->context_mark.column + 1);
    return errbuf_set(err, "%s:%zu:%zu: YAML syntax error: %s", name, m->line + 1, m->column + 1,
                      problem);
}

static int on_event(struct builder *b, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        b->root = NULL;
        return 0;
    case YAML_DOCUMENT_END_EVENT:
        if (b->f->n_docs == b->f->cap_docs) {
            b->f->cap_docs = b->f->cap_docs ? b->f->cap_docs * 2 : 4;
            b->f->docs = xrealloc(b->f->docs, b->f->cap_docs * sizeof(const struct ynode *));
        }
        b->f->docs[b->f->n_docs++] = b->root;
        /* Anchors are local to a document. */
        strmap_cleanup(&b->anchors);
        strmap_init(&b->anchors);
        b->n_anchored = 0;
        return 0;
    case YAML_SCALAR_EVENT:
        return on_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(b, ev, YNODE_SEQUENCE);
    case YAML_MAPPING_START_EVENT:
        return on_start(b, ev, YNODE_MAPPING);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return on_end(b);
    case YAML_ALIAS_EVENT:
        return on_alias(b, ev);
    default:
        return 0;
    }
}

static int build(struct yfile *f, const char *data, size_t len, const struct yload_limits *limits,
                 struct errbuf *err)
{
    struct builder b;
    memset(&b, 0, sizeof(b));
    b.f = f;
    b.limits = limits;
    b.err = err;
    b.stack = xcalloc(limits->max_depth + 1, sizeof(*b.stack));
    strmap_init(&b.anchors);
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    int rc = 0;
    for (int done = 0; !done && rc == 0;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = syntax_error(&parser, f->path, data, len, err);
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(&b, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    for (size_t i = 0; i <= limits->max_depth; i++)
        free(b.stack[i].children);
    free(b.stack);
    strmap_cleanup(&b.anchors);
    free(b.anchored);
    free(b.anchored_weight);
    return rc;
}

int yfile_load_bytes(const char *name, const char *data, size_t len,
                     const struct yload_limits *limits, struct yfile **out, struct errbuf *err)
{
    if (len > limits->max_file_bytes)
        return errbuf_set(err, "%s: larger than the limit of %zu bytes", name,
                          limits->max_file_bytes);
    struct yfile *f = xcalloc(1, sizeof(*f));
    size_t name_len = strlen(name);
    f->path = xmalloc(name_len + 1);
    memcpy(f->path, name, name_len + 1);
    if (build(f, data, len, limits, err) < 0) {
        yfile_free(f);
        return -1;
    }
    *out = f;
    return 0;
}

int yfile_load(const char *path, const struct yload_limits *limits, struct yfile **out,
               struct errbuf *err)
{
    char *data = NULL;
    size_t len = 0;
    if (file_read_regular(path, limits->max_file_bytes, &data, &len, err) < 0)
        return -1;
    int rc = yfile_load_bytes(path, data, len, limits, out, err);
    free(data);
    return rc;
}

void yfile_free(struct yfile *f)
{
    if (!f)
        return;
    arena_free(&f->arena);
    free(f->docs);
    free(f->path);
    free(f);
}

const char *yfile_path(const struct yfile *f)
{
    return f->path;
}

size_t yfile_documents(const struct yfile *f)
{
    return f->n_docs;
}

const struct ynode *yfile_document(const struct yfile *f, size_t i)
{
    return i < f->n_docs ? f->docs[i] : NULL;
}

const struct ynode *yfile_root(const struct yfile *f)
{
    return yfile_document(f, 0);
}
