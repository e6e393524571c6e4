/* collectors.h - the standard collectors: per-port telemetry, per-device info and
 * the simulator's own metrics. docs/METRICS.md lists every family they write.
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

struct build_info {
    const char *version;
    const char *revision;
};

/* Per-port families, in exposition order (docs/METRICS.md). A mask bit per family. */
enum port_family_id {
    PORT_FAMILY_INFO,
    PORT_FAMILY_LINK_UP,
    PORT_FAMILY_SPEED,
    PORT_FAMILY_BUFFER_CAPACITY,
    PORT_FAMILY_BUFFER_LEVEL,
    PORT_FAMILY_RX_PACKETS,
    PORT_FAMILY_TX_PACKETS,
    PORT_FAMILY_RX_BYTES,
    PORT_FAMILY_TX_BYTES,
    PORT_FAMILY_RX_ERRORS,
    PORT_FAMILY_TX_DROPS,
    PORT_FAMILY_CARRIER_TRANSITIONS,
    PORT_FAMILY_COUNT
};
#define PORT_FAMILIES_ALL ((1u << PORT_FAMILY_COUNT) - 1)

/* Parses a comma-separated list of per-port family names ("switch_port_link_up,..."),
 * or "all", into a mask. Returns -1 and names the unknown entry in err. */
int collectors_parse_port_families(const char *list, unsigned *mask, struct errbuf *err);

/* Series one render exposes for this fleet and family mask (self-metrics included). */
uint64_t collectors_series_count(const struct fleet *fleet, unsigned port_family_mask);

struct collectors;

struct collectors *collectors_new(const struct fleet *fleet, const struct build_info *build,
                                  int64_t process_start_ms, unsigned port_family_mask);
void collectors_free(struct collectors *c); /* NULL is a no-op */
/* Registers the device, port and self collectors, in that order. */
int collectors_register(struct collectors *c, struct registry *reg);

/* "100G", "25G", "2.5G", "100M": the speed label of switch_port_info. */
void collectors_speed_label(uint64_t speed_bps, char *out, size_t out_bytes);

#endif /* SWITCHSIM_COLLECTORS_H */
