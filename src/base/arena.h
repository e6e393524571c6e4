/* arena.h - bump allocation for data that lives and dies together.
 *
 * Memory comes in 64 KiB chunks (a bigger request gets a chunk of its own) and is freed
 * all at once by arena_free(). Allocations are zeroed, 16-byte aligned and never NULL
 * (xalloc aborts on out-of-memory). Not thread-safe: one owner at a time. */
#ifndef SWITCHSIM_ARENA_H
#define SWITCHSIM_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head; /* NULL: empty (a zeroed struct arena is ready to use) */
};

void *arena_alloc(struct arena *a, size_t size_bytes);
/* Copies s[0..len) and a terminating NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t len);
void arena_free(struct arena *a); /* frees every allocation; the arena is empty again */

#endif /* SWITCHSIM_ARENA_H */
