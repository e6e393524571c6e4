/* world.h - everything one loaded configuration serves: the fleet, its simulation and
 * its pre-rendered label sets (collectors + registry), as one reference-counted object.
 *
 * The exporter holds one world and swaps it for another under its lock (a reload), so a
 * scrape sees either the old world or the new one, never a mix. Readers that need the
 * world outside the exporter's lock take a reference (world_retain) and drop it with
 * world_release; the last release frees everything, the fleet included.
 *
 * Names: devices and ports are addressable by name (world_find_device/world_find_port),
 * so state can be carried from one world to the next by (device, port) name.
 *
 * Threading: the fleet, label sets and name index are immutable and may be read from any
 * thread holding a reference; the simulation is mutated only under the exporter's lock. */
#ifndef SWITCHSIM_WORLD_H
#define SWITCHSIM_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "metrics/collectors.h"
#include "metrics/registry.h"
#include "model/fault.h"
#include "model/model.h"
#include "model/shard.h"
#include "sim/sim.h"

struct world_params {
    uint64_t seed;
    int64_t process_start_ms; /* for switchsim_start_time_seconds */
    struct build_info build;  /* strings borrowed; must outlive the world */
    struct shard_spec shard;  /* the devices served; count 0 or 1: every device */
};

struct world_name {
    const char *name; /* borrowed from the fleet */
    size_t index;
};

struct world {
    struct world_params params;
    struct fleet *fleet; /* owned */
    struct sim *sim;     /* owned; mutate only under the exporter's lock */
    struct collectors *collectors;
    struct registry reg;
    struct world_name *devices_by_name; /* sorted by name, for lookups */
    /* The --shard's devices: served[d] for each device d, or NULL when every device is
     * served. The whole fleet is simulated either way (links cross shards); only what is
     * served (/metrics, /probe, /sd, the landing page) is limited to these. */
    unsigned char *served;
    size_t n_served;
    /* The profiles' scenario as faults, relative starts counted from the creation tick
     * (model/fault.h); the simulation applies them. */
    struct fault_set scenario;
    int refs; /* atomic */
};

/* Takes ownership of the fleet. Returns a world with one reference, its simulation
 * positioned directly at `tick` (ticks count from the epoch; nothing is replayed), with
 * the profiles' scenario applied (`at: +DURATION` counted from `tick`; an event that cannot
 * be placed is logged and left out). */
struct world *world_new_at(struct fleet *fleet, const struct world_params *params, uint64_t tick);
void world_retain(struct world *w);
void world_release(struct world *w); /* NULL is a no-op */

/* Whether device d is served by this world's shard. */
static inline int world_serves(const struct world *w, size_t d)
{
    return !w->served || w->served[d];
}

/* Index of the device with this name, or -1. O(log devices). */
long world_find_device(const struct world *w, const char *name);
/* Fleet-wide index of the port of that device with this name, or -1. */
long world_find_port(const struct world *w, const char *device, const char *port);

/* For every port of `to`, the fleet-wide index of the port of the same (device, port) name
 * in `from`, or -1: an array of to->fleet->n_ports entries the caller frees. Reads only the
 * immutable parts of both worlds. O(ports) when port order is unchanged. */
long *world_port_map(const struct world *to, const struct world *from, size_t *carried);

#endif /* SWITCHSIM_WORLD_H */
