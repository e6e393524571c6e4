/* arena.c - bump allocation in chunks, freed at once. */
#include "base/arena.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define ARENA_CHUNK_BYTES (64 * 1024)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used;
    size_t size;
    _Alignas(16) unsigned char data[];
};

void *arena_alloc(struct arena *a, size_t size_bytes)
{
    size_t need = (size_bytes + 15) & ~(size_t)15;
    struct arena_chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        size_t size = need > ARENA_CHUNK_BYTES ? need : ARENA_CHUNK_BYTES;
        c = xmalloc(sizeof(*c) + size);
        c->size = size;
        c->used = 0;
        if (a->head && need > ARENA_CHUNK_BYTES) {
            /* A big block goes behind the current chunk so its free space stays usable. */
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = c->data + c->used;
    c->used += need;
    memset(p, 0, need);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void arena_free(struct arena *a)
{
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}
