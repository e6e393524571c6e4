/* json.h - writing JSON strings (RFC 8259) into a strbuf.
 *
 * The quoting is also valid logfmt (go-logfmt reads JSON's escapes), which is why the
 * logger uses it for both formats. */
#ifndef SWITCHSIM_JSON_H
#define SWITCHSIM_JSON_H

#include <stddef.h>

#include "base/strbuf.h"

/* Appends s[0..n) as a quoted JSON string: " \ and control characters escaped (\n, \t,
 * \u00XX), valid UTF-8 copied, each invalid byte written as \ufffd. Never a raw newline. */
void json_put_string(struct strbuf *sb, const char *s, size_t n);

#endif /* SWITCHSIM_JSON_H */
