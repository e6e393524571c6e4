/* shard.c - rendezvous hashing of device names onto shards (shard.h). */
#include "model/shard.h"

#include <ctype.h>
#include <stdlib.h>

#include "base/xalloc.h"

static uint64_t finalize64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

static uint64_t weight_of(uint64_t name_hash, uint32_t s)
{
    return finalize64(name_hash ^ finalize64((uint64_t)s + 1));
}

uint64_t shard_weight(const char *name, uint32_t s)
{
    return weight_of(fnv1a64(name), s);
}

uint32_t shard_of(const char *name, uint32_t count)
{
    uint64_t h = fnv1a64(name);
    uint32_t best = 0;
    uint64_t best_w = weight_of(h, 0);
    for (uint32_t s = 1; s < count; s++) {
        uint64_t w = weight_of(h, s);
        if (w > best_w) {
            best_w = w;
            best = s;
        }
    }
    return best;
}

/* A decimal number of at most 9 digits at *p, advancing p; -1 if none. */
static long decimal(const char **p)
{
    long v = 0;
    int n = 0;
    for (; isdigit((unsigned char)**p); (*p)++, n++) {
        if (n == 9)
            return -1;
        v = v * 10 + (**p - '0');
    }
    return n ? v : -1;
}

int shard_parse(const char *text, struct shard_spec *out, struct errbuf *err)
{
    const char *p = text;
    long i = decimal(&p);
    long n = -1;
    if (i >= 0 && *p == '/') {
        p++;
        n = decimal(&p);
    }
    if (i < 0 || n < 0 || *p)
        return errbuf_set(err, "--shard: expected I/N such as 0/3, got \"%s\"", text);
    if (n < 1 || n > SHARD_MAX_COUNT)
        return errbuf_set(err, "--shard: N must be 1-%d, got \"%s\"", SHARD_MAX_COUNT, text);
    if (i >= n)
        return errbuf_set(err, "--shard: I counts from 0 and must be below N, got \"%s\"", text);
    out->index = (uint32_t)i;
    out->count = (uint32_t)n;
    return 0;
}

unsigned char *shard_select(const struct fleet *fleet, struct shard_spec spec, size_t *n_served)
{
    unsigned char *served = xcalloc(fleet->n_devices ? fleet->n_devices : 1, 1);
    *n_served = 0;
    for (size_t d = 0; d < fleet->n_devices; d++) {
        served[d] = shard_of(fleet->devices[d].name, spec.count) == spec.index;
        *n_served += served[d];
    }
    return served;
}
