/* xalloc.c - abort-on-OOM allocation wrappers. */
#include "base/xalloc.h"

#include <stdio.h>
#include <stdlib.h>

static void out_of_memory(size_t size_bytes)
{
    fprintf(stderr, "switchsim: out of memory trying to allocate %zu bytes\n", size_bytes);
    abort();
}

void *xmalloc(size_t size_bytes)
{
    void *p = malloc(size_bytes ? size_bytes : 1);
    if (!p)
        out_of_memory(size_bytes);
    return p;
}

void *xcalloc(size_t count, size_t size_bytes)
{
    void *p = calloc(count ? count : 1, size_bytes ? size_bytes : 1);
    if (!p)
        out_of_memory(count * size_bytes);
    return p;
}

void *xrealloc(void *ptr, size_t size_bytes)
{
    void *p = realloc(ptr, size_bytes ? size_bytes : 1);
    if (!p)
        out_of_memory(size_bytes);
    return p;
}
