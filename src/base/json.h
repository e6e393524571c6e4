/* json.h - JSON (RFC 8259): writing strings into a strbuf, and reading small documents
 * (request bodies of the fault API).
 *
 * The quoting is also valid logfmt (go-logfmt reads JSON's escapes), which is why the
 * logger uses it for both formats. The reader is strict: one value, no trailing commas,
 * no comments, valid UTF-8, no NUL in strings (\u0000 refused: C strings could not hold
 * it), duplicate keys refused, nesting at most JSON_MAX_DEPTH. */
#ifndef SWITCHSIM_JSON_H
#define SWITCHSIM_JSON_H

#include <stddef.h>

#include "base/errbuf.h"
#include "base/strbuf.h"

/* Appends s[0..n) as a quoted JSON string: " \ and control characters escaped (\n, \t,
 * \u00XX), valid UTF-8 copied, each invalid byte written as \ufffd. Never a raw newline. */
void json_put_string(struct strbuf *sb, const char *s, size_t n);

#define JSON_MAX_DEPTH 16
/* Documents longer than this are refused (the API's bodies are a few hundred bytes). */
#define JSON_MAX_BYTES (64 * 1024)

enum json_type {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
};

/* A parsed value. Objects keep their members in document order. Owned by the root. */
struct json_value {
    enum json_type type;
    double number;
    char *string; /* JSON_STRING: decoded, NUL-terminated, valid UTF-8 */
    size_t len;
    struct json_value *items; /* JSON_ARRAY / JSON_OBJECT members */
    char **keys;              /* JSON_OBJECT: the members' keys */
    size_t n;
};

/* Parses text[0..len) into *out (freed with json_free). -1 with "line L column C: why"
 * in err for anything that is not one strict JSON value. */
int json_parse(const char *text, size_t len, struct json_value **out, struct errbuf *err);
void json_free(struct json_value *v); /* NULL is a no-op */
/* The member `key` of an object, or NULL (also when v is not an object). */
const struct json_value *json_get(const struct json_value *v, const char *key);

#endif /* SWITCHSIM_JSON_H */
