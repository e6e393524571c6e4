/* collectors.h - the standard collectors: per-device and per-port telemetry and the
 * simulator's own metrics, computing the quantities of the catalog's rows (catalog.h).
 * They never name a family: names, types and help come from the catalog.
 *
 * collectors_new() renders every label set once (escaped, ready to memcpy), so a
 * render does no per-series formatting of names or labels and no allocation.
 * Ownership: borrows the fleet (must outlive the collectors); owns the label sets.
 * Threading: read-only after construction; the exporter serializes renders. */
#ifndef SWITCHSIM_COLLECTORS_H
#define SWITCHSIM_COLLECTORS_H

#include <stdint.h>

#include "metrics/registry.h"
#include "model/model.h"
#include "model/shard.h"

struct build_info {
    const char *version;
    const char *revision;
};

struct collectors;

struct collectors *collectors_new(const struct fleet *fleet, const struct build_info *build,
                                  int64_t process_start_ms);
void collectors_free(struct collectors *c); /* NULL is a no-op */
/* The shard switchsim_shard_info names (collectors_new sets 0 of 1). Call before rendering. */
void collectors_set_shard(struct collectors *c, struct shard_spec shard);
/* Registers the device, port and self collectors, in that order (the catalog's order). */
int collectors_register(struct collectors *c, struct registry *reg);

/* "100G", "25G", "2.5G", "100M": the speed label of the port info family. */
void collectors_speed_label(uint64_t speed_bps, char *out, size_t out_bytes);

#endif /* SWITCHSIM_COLLECTORS_H */
