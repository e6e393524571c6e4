/* json.c - JSON string output (see json.h). */
#include "base/json.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "base/xalloc.h"

/* The escapes are those of json.h (and log.h). */
void json_put_string(struct strbuf *sb, const char *s, size_t n)
{
    strbuf_putc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            strbuf_puts(sb, "\\\"");
            continue;
        case '\\':
            strbuf_puts(sb, "\\\\");
            continue;
        case '\n':
            strbuf_puts(sb, "\\n");
            continue;
        case '\r':
            strbuf_puts(sb, "\\r");
            continue;
        case '\t':
            strbuf_puts(sb, "\\t");
            continue;
        default:
            break;
        }
        if (c < 0x20 || c == 0x7F) {
            strbuf_appendf(sb, "\\u%04x", (unsigned)c);
        } else if (c < 0x80) {
            strbuf_putc(sb, (char)c);
        } else {
            size_t len = utf8_char_len((const unsigned char *)s + i, n - i);
            if (len == 0) {
                strbuf_puts(sb, "\\ufffd");
            } else {
                strbuf_append(sb, s + i, len);
                i += len - 1;
            }
        }
    }
    strbuf_putc(sb, '"');
}

/* ---- reading ------------------------------------------------------------------------- */

struct json_reader {
    const char *s;
    size_t len, pos;
    struct errbuf *err;
};

static int json_fail(struct json_reader *r, const char *why)
{
    size_t line = 1, col = 1;
    for (size_t i = 0; i < r->pos && i < r->len; i++) {
        if (r->s[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    return errbuf_set(r->err, "line %zu column %zu: %s", line, col, why);
}

static void json_skip_ws(struct json_reader *r)
{
    while (r->pos < r->len && (r->s[r->pos] == ' ' || r->s[r->pos] == '\t' ||
                               r->s[r->pos] == '\n' || r->s[r->pos] == '\r'))
        r->pos++;
}

static int json_literal(struct json_reader *r, const char *word)
{
    size_t n = strlen(word);
    if (r->len - r->pos < n || memcmp(r->s + r->pos, word, n) != 0)
        return json_fail(r, "not a JSON value");
    r->pos += n;
    return 0;
}

static int json_hex4(struct json_reader *r, unsigned *out)
{
    if (r->len - r->pos < 4)
        return json_fail(r, "\\u needs four hex digits");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->s[r->pos + (size_t)i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return json_fail(r, "\\u needs four hex digits");
    }
    r->pos += 4;
    *out = v;
    return 0;
}

static void json_put_utf8(struct strbuf *sb, unsigned cp)
{
    if (cp < 0x80) {
        strbuf_putc(sb, (char)cp);
    } else if (cp < 0x800) {
        strbuf_putc(sb, (char)(0xc0 | cp >> 6));
        strbuf_putc(sb, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        strbuf_putc(sb, (char)(0xe0 | cp >> 12));
        strbuf_putc(sb, (char)(0x80 | ((cp >> 6) & 0x3f)));
        strbuf_putc(sb, (char)(0x80 | (cp & 0x3f)));
    } else {
        strbuf_putc(sb, (char)(0xf0 | cp >> 18));
        strbuf_putc(sb, (char)(0x80 | ((cp >> 12) & 0x3f)));
        strbuf_putc(sb, (char)(0x80 | ((cp >> 6) & 0x3f)));
        strbuf_putc(sb, (char)(0x80 | (cp & 0x3f)));
    }
}

/* At the opening quote; stores the decoded string (malloc'd) in *out. */
static int json_string(struct json_reader *r, char **out, size_t *out_len)
{
    struct strbuf sb;
    strbuf_init(&sb, 32, JSON_MAX_BYTES);
    r->pos++;
    for (;;) {
        if (r->pos >= r->len) {
            strbuf_cleanup(&sb);
            return json_fail(r, "unterminated string");
        }
        unsigned char c = (unsigned char)r->s[r->pos];
        if (c == '"') {
            r->pos++;
            break;
        }
        if (c < 0x20) {
            strbuf_cleanup(&sb);
            return json_fail(r, "control character in a string");
        }
        if (c == '\\') {
            if (r->pos + 1 >= r->len) {
                strbuf_cleanup(&sb);
                return json_fail(r, "unterminated string");
            }
            char e = r->s[r->pos + 1];
            r->pos += 2;
            const char *simple = strchr("\"\\/bfnrt", e);
            if (e && simple) {
                static const char map[] = "\"\\/\b\f\n\r\t";
                strbuf_putc(&sb, map[simple - "\"\\/bfnrt"]);
                continue;
            }
            unsigned cp = 0;
            if (e != 'u' || json_hex4(r, &cp) < 0) {
                strbuf_cleanup(&sb);
                return e != 'u' ? json_fail(r, "unknown escape in a string") : -1;
            }
            if (cp >= 0xd800 && cp < 0xdc00) { /* a surrogate pair */
                unsigned lo;
                if (r->len - r->pos < 2 || r->s[r->pos] != '\\' || r->s[r->pos + 1] != 'u') {
                    strbuf_cleanup(&sb);
                    return json_fail(r, "lone surrogate in a string");
                }
                r->pos += 2;
                if (json_hex4(r, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff) {
                    strbuf_cleanup(&sb);
                    return json_fail(r, "lone surrogate in a string");
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                strbuf_cleanup(&sb);
                return json_fail(r, "lone surrogate in a string");
            }
            if (cp == 0) {
                strbuf_cleanup(&sb);
                return json_fail(r, "\\u0000 is not allowed in a string");
            }
            json_put_utf8(&sb, cp);
            continue;
        }
        size_t n = utf8_char_len((const unsigned char *)r->s + r->pos, r->len - r->pos);
        if (n == 0) {
            strbuf_cleanup(&sb);
            return json_fail(r, "invalid UTF-8 in a string");
        }
        strbuf_append(&sb, r->s + r->pos, n);
        r->pos += n;
    }
    strbuf_putc(&sb, '\0');
    *out = strbuf_release(&sb, out_len);
    (*out_len)--;
    return 0;
}

static int json_number(struct json_reader *r, double *out)
{
    size_t start = r->pos;
    const char *s = r->s;
    if (r->pos < r->len && s[r->pos] == '-')
        r->pos++;
    if (r->pos >= r->len || !isdigit((unsigned char)s[r->pos]))
        return json_fail(r, "not a JSON value");
    if (s[r->pos] == '0')
        r->pos++;
    else
        while (r->pos < r->len && isdigit((unsigned char)s[r->pos]))
            r->pos++;
    if (r->pos < r->len && s[r->pos] == '.') {
        r->pos++;
        if (r->pos >= r->len || !isdigit((unsigned char)s[r->pos]))
            return json_fail(r, "a digit must follow the decimal point");
        while (r->pos < r->len && isdigit((unsigned char)s[r->pos]))
            r->pos++;
    }
    if (r->pos < r->len && (s[r->pos] == 'e' || s[r->pos] == 'E')) {
        r->pos++;
        if (r->pos < r->len && (s[r->pos] == '+' || s[r->pos] == '-'))
            r->pos++;
        if (r->pos >= r->len || !isdigit((unsigned char)s[r->pos]))
            return json_fail(r, "a digit must follow the exponent");
        while (r->pos < r->len && isdigit((unsigned char)s[r->pos]))
            r->pos++;
    }
    char buf[64];
    size_t n = r->pos - start;
    if (n >= sizeof(buf)) {
        r->pos = start;
        return json_fail(r, "number too long");
    }
    memcpy(buf, s + start, n);
    buf[n] = '\0';
    *out = strtod(buf, NULL);
    if (!isfinite(*out)) {
        r->pos = start;
        return json_fail(r, "number out of range");
    }
    return 0;
}

static void json_clear(struct json_value *v)
{
    free(v->string);
    for (size_t i = 0; i < v->n; i++) {
        json_clear(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
}

static int json_value_at(struct json_reader *r, struct json_value *v, int depth);

static int json_container(struct json_reader *r, struct json_value *v, int depth)
{
    int object = r->s[r->pos] == '{';
    char close = object ? '}' : ']';
    v->type = object ? JSON_OBJECT : JSON_ARRAY;
    if (depth >= JSON_MAX_DEPTH)
        return json_fail(r, "nested too deeply");
    r->pos++;
    json_skip_ws(r);
    if (r->pos < r->len && r->s[r->pos] == close) {
        r->pos++;
        return 0;
    }
    size_t cap = 0;
    for (;;) {
        if (v->n == cap) {
            cap = cap ? 2 * cap : 4;
            v->items = xrealloc(v->items, cap * sizeof(*v->items));
            if (object)
                v->keys = xrealloc(v->keys, cap * sizeof(*v->keys));
        }
        struct json_value *item = &v->items[v->n];
        memset(item, 0, sizeof(*item));
        json_skip_ws(r);
        if (object) {
            if (r->pos >= r->len || r->s[r->pos] != '"')
                return json_fail(r, "expected a string key");
            size_t key_pos = r->pos, key_len;
            char *key = NULL;
            key_len = 0;
            if (json_string(r, &key, &key_len) < 0 || !key)
                return -1;
            for (size_t i = 0; i < v->n; i++)
                if (strcmp(v->keys[i], key) == 0) {
                    free(key);
                    r->pos = key_pos;
                    return json_fail(r, "duplicate key");
                }
            v->keys[v->n] = key;
            json_skip_ws(r);
            if (r->pos >= r->len || r->s[r->pos] != ':') {
                v->n++; /* so the key is freed */
                return json_fail(r, "expected ':' after a key");
            }
            r->pos++;
        }
        v->n++;
        if (json_value_at(r, item, depth + 1) < 0)
            return -1;
        json_skip_ws(r);
        if (r->pos < r->len && r->s[r->pos] == ',') {
            r->pos++;
            continue;
        }
        if (r->pos < r->len && r->s[r->pos] == close) {
            r->pos++;
            return 0;
        }
        return json_fail(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int json_value_at(struct json_reader *r, struct json_value *v, int depth)
{
    json_skip_ws(r);
    if (r->pos >= r->len)
        return json_fail(r, "expected a value, found the end");
    switch (r->s[r->pos]) {
    case '{':
    case '[':
        return json_container(r, v, depth);
    case '"':
        v->type = JSON_STRING;
        return json_string(r, &v->string, &v->len);
    case 't':
        v->type = JSON_TRUE;
        return json_literal(r, "true");
    case 'f':
        v->type = JSON_FALSE;
        return json_literal(r, "false");
    case 'n':
        v->type = JSON_NULL;
        return json_literal(r, "null");
    default:
        v->type = JSON_NUMBER;
        return json_number(r, &v->number);
    }
}

int json_parse(const char *text, size_t len, struct json_value **out, struct errbuf *err)
{
    struct json_reader r = {text, len, 0, err};
    *out = NULL;
    if (len > JSON_MAX_BYTES)
        return errbuf_set(err, "document larger than %d bytes", JSON_MAX_BYTES);
    struct json_value *v = xcalloc(1, sizeof(*v));
    if (json_value_at(&r, v, 0) < 0) {
        json_free(v);
        return -1;
    }
    json_skip_ws(&r);
    if (r.pos != len) {
        json_free(v);
        return json_fail(&r, "text after the value");
    }
    *out = v;
    return 0;
}

void json_free(struct json_value *v)
{
    if (!v)
        return;
    json_clear(v);
    free(v);
}

const struct json_value *json_get(const struct json_value *v, const char *key)
{
    if (!v || v->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->keys[i], key) == 0)
            return &v->items[i];
    return NULL;
}
