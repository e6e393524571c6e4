/* strbuf.h - growable byte buffer with a hard size cap.
 *
 * Appends never fail loudly: once the cap would be exceeded the buffer sets a
 * sticky `overflow` flag and ignores further appends, so a renderer can append
 * freely and check once at the end (a truncated scrape is worse than an error).
 * The buffer owns `data`; strbuf_release() hands it to the caller.
 * Not thread-safe: one writer at a time. */
#ifndef SWITCHSIM_STRBUF_H
#define SWITCHSIM_STRBUF_H

#include <stddef.h>
#include <string.h>

struct strbuf {
    char *data;       /* NUL-terminated while not overflowed */
    size_t len;       /* bytes used, excluding the NUL */
    size_t cap;       /* bytes allocated */
    size_t max_bytes; /* hard limit on len */
    int overflow;     /* sticky: an append was dropped */
};

void strbuf_init(struct strbuf *sb, size_t initial_bytes, size_t max_bytes);
/* Like strbuf_init, but takes ownership of an existing malloc'd buffer of cap bytes. */
void strbuf_adopt(struct strbuf *sb, char *data, size_t cap, size_t max_bytes);
void strbuf_cleanup(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
/* Makes room for n more bytes; returns a pointer to write them at, or NULL (and
 * sets overflow) if the cap would be exceeded. Commit with strbuf_commit(). */
char *strbuf_grow_slow(struct strbuf *sb, size_t n);
void strbuf_appendf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the data (caller frees) and leaves sb empty. */
char *strbuf_release(struct strbuf *sb, size_t *len_out);

static inline char *strbuf_grow(struct strbuf *sb, size_t n)
{
    if (!sb->overflow && sb->len + n + 1 <= sb->cap)
        return sb->data + sb->len;
    return strbuf_grow_slow(sb, n);
}

static inline void strbuf_commit(struct strbuf *sb, size_t n)
{
    sb->len += n;
    sb->data[sb->len] = '\0';
}

static inline void strbuf_append(struct strbuf *sb, const char *bytes, size_t n)
{
    char *p = strbuf_grow(sb, n);
    if (p) {
        memcpy(p, bytes, n);
        strbuf_commit(sb, n);
    }
}

static inline void strbuf_puts(struct strbuf *sb, const char *s)
{
    strbuf_append(sb, s, strlen(s));
}

static inline void strbuf_putc(struct strbuf *sb, char c)
{
    strbuf_append(sb, &c, 1);
}

#endif /* SWITCHSIM_STRBUF_H */
