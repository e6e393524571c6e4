/* shard.h - which devices one process of `--shard i/n` serves.
 *
 * Rendezvous (highest-random-weight) hashing of device names: device `name` belongs to the
 * shard s in [0, n) with the largest weight(name, s), where
 *
 *     h         = FNV-1a 64 of the name's bytes (offset 0xcbf29ce484222325, prime 0x100000001b3)
 *     weight    = splitmix64_finalizer(h ^ splitmix64_finalizer(s + 1))
 *     finalizer = z ^= z >> 30; z *= 0xbf58476d1ce4e5b9; z ^= z >> 27;
 *                 z *= 0x94d049bb133111eb; z ^= z >> 31
 *
 * ties (never seen in practice) going to the lower shard. This is a contract: it is fixed here,
 * independent of the simulation's random numbers, so a device's shard depends only on its name
 * and n (never on the profile's order, seed or version). The n shards of a fleet are disjoint
 * and cover it; going from n to n + 1 shards moves only the devices the new shard wins, about
 * 1/(n + 1) of them.
 *
 * Pure functions, no allocation except shard_select's array (the caller frees it). */
#ifndef SWITCHSIM_SHARD_H
#define SWITCHSIM_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "base/errbuf.h"
#include "model/model.h"

/* At most this many shards: enough for any fleet, small enough that the O(n) choice per
 * device stays cheap. */
#define SHARD_MAX_COUNT 1024

/* One shard of n; {0, 1} (the default) is the whole fleet. */
struct shard_spec {
    uint32_t index; /* 0-based, < count */
    uint32_t count; /* >= 1 */
};

/* Parses "I/N" (0 <= I < N <= SHARD_MAX_COUNT, decimal). Returns 0, or -1 with err. */
int shard_parse(const char *text, struct shard_spec *out, struct errbuf *err);

/* The rendezvous weight of a device name for shard s (see above). */
uint64_t shard_weight(const char *name, uint32_t s);
/* The shard of n that owns the device called `name`. */
uint32_t shard_of(const char *name, uint32_t count);

/* served[d] = 1 for each device of the fleet that shard `spec` owns, else 0: an array of
 * fleet->n_devices bytes (at least one) the caller frees. Counts them in *n_served. */
unsigned char *shard_select(const struct fleet *fleet, struct shard_spec spec, size_t *n_served);

#endif /* SWITCHSIM_SHARD_H */
