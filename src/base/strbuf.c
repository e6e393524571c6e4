/* strbuf.c - growable byte buffer with a hard size cap. */
#include "base/strbuf.h"

#include <stdarg.h>
#include <stdio.h>

#include <stdlib.h>

#include "base/xalloc.h"

void strbuf_init(struct strbuf *sb, size_t initial_bytes, size_t max_bytes)
{
    sb->cap = initial_bytes < 16 ? 16 : initial_bytes;
    sb->data = xmalloc(sb->cap);
    sb->data[0] = '\0';
    sb->len = 0;
    sb->max_bytes = max_bytes;
    sb->overflow = 0;
}

void strbuf_adopt(struct strbuf *sb, char *data, size_t cap, size_t max_bytes)
{
    sb->data = data;
    sb->cap = cap;
    sb->len = 0;
    sb->max_bytes = max_bytes;
    sb->overflow = 0;
    sb->data[0] = '\0';
}

void strbuf_cleanup(struct strbuf *sb)
{
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}

void strbuf_reset(struct strbuf *sb)
{
    sb->len = 0;
    sb->overflow = 0;
    if (sb->data)
        sb->data[0] = '\0';
}

char *strbuf_grow_slow(struct strbuf *sb, size_t n)
{
    if (sb->overflow)
        return NULL;
    if (n > sb->max_bytes || sb->len > sb->max_bytes - n) {
        sb->overflow = 1;
        return NULL;
    }
    size_t want = sb->len + n + 1;
    if (want > sb->cap) {
        size_t cap = sb->cap;
        while (cap < want)
            cap = cap / 2 * 3 + 64; /* 1.5x: less slack than doubling for 100 MB bodies */
        /* Never allocate past the cap, or strbuf_grow's fast path would bypass it. */
        if (cap > sb->max_bytes + 1)
            cap = sb->max_bytes + 1;
        sb->data = xrealloc(sb->data, cap);
        sb->cap = cap;
    }
    return sb->data + sb->len;
}

void strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0)
        return;
    char *p = strbuf_grow(sb, (size_t)need);
    if (!p)
        return;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)need + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)need;
}

char *strbuf_release(struct strbuf *sb, size_t *len_out)
{
    char *data = sb->data;
    if (len_out)
        *len_out = sb->len;
    sb->data = NULL;
    sb->len = sb->cap = 0;
    return data;
}
