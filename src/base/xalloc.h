/* xalloc.h - allocation that never returns NULL.
 *
 * On out-of-memory these print the requested size to stderr and abort(), like
 * redis' zmalloc: there are no untested OOM branches anywhere else in the code.
 * Memory limits are enforced up front instead (see model.h, SWITCHSIM_MAX_*). */
#ifndef SWITCHSIM_XALLOC_H
#define SWITCHSIM_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size_bytes);
void *xcalloc(size_t count, size_t size_bytes);
void *xrealloc(void *ptr, size_t size_bytes);

#endif /* SWITCHSIM_XALLOC_H */
