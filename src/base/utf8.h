/* utf8.h - UTF-8 sequences: validation without decoding tables. Pure functions. */
#ifndef SWITCHSIM_UTF8_H
#define SWITCHSIM_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at p (at most n bytes, n > 0), or 0 if it is not one:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
size_t utf8_char_len(const unsigned char *p, size_t n);
/* Whether s[0..n) is valid UTF-8 throughout. */
int utf8_valid(const char *s, size_t n);

#endif /* SWITCHSIM_UTF8_H */
