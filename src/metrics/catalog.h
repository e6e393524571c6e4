/* catalog.h - every metric family switchsim exposes, each defined once.
 *
 * A row is one family: its name, type, unit and help (struct expo_family, from which the
 * writer derives each format's spelling), the entity it is exposed for (device, port or
 * the simulator itself) and the quantity its value comes from. Counts (series per port,
 * load-time limits), family selection and docs/METRICS.md (checked by a test) derive
 * from these rows. Rows are in exposition order.
 *
 * Collectors (collectors.c) compute quantities and never name a family; a naming scheme
 * is another table over the same quantities.
 *
 * Immutable; safe to read from any thread. */
#ifndef SWITCHSIM_CATALOG_H
#define SWITCHSIM_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "base/errbuf.h"
#include "expo/expo.h"

enum metric_scope { SCOPE_DEVICE, SCOPE_PORT, SCOPE_SELF };

/* What a value is, independent of what it is called. */
enum quantity {
    Q_DEVICE_INFO,
    Q_DEVICE_BOOT_TIME_SECONDS,
    Q_DEVICE_UPTIME_SECONDS,
    Q_PORT_INFO,
    Q_PORT_NEIGHBOR_INFO,
    Q_PORT_ADMIN_UP,
    Q_PORT_LINK_UP,
    Q_PORT_OPER_STATE,
    Q_PORT_SPEED_BYTES,
    Q_PORT_BUFFER_CAPACITY_BYTES,
    Q_PORT_BUFFER_LEVEL_BYTES,
    Q_PORT_BUFFER_WATERMARK_BYTES,
    Q_PORT_RX_PACKETS,
    Q_PORT_TX_PACKETS,
    Q_PORT_RX_BYTES,
    Q_PORT_TX_BYTES,
    Q_PORT_RX_MULTICAST,
    Q_PORT_RX_BROADCAST,
    Q_PORT_TX_MULTICAST,
    Q_PORT_TX_BROADCAST,
    Q_PORT_RX_ERRORS,
    Q_PORT_RX_DISCARDS,
    Q_PORT_TX_ERRORS,
    Q_PORT_TX_DROPS,
    Q_PORT_CARRIER_TRANSITIONS,
    Q_SELF_BUILD_INFO,
    Q_SELF_SHARD_INFO,
    Q_SELF_START_TIME_SECONDS,
    Q_SELF_DEVICES,
    Q_SELF_PORTS,
    Q_SELF_TICK_SECONDS,
    Q_SELF_TICKS,
    Q_SELF_LAST_RENDER_SECONDS,
    Q_SELF_RENDER_SECONDS,
    Q_SELF_RENDERS,
    Q_SELF_GZIP_SECONDS,
    Q_SELF_GZIPS,
    Q_SELF_RELOAD_OK,
    Q_SELF_RELOAD_SUCCESS_SECONDS,
    Q_PROCESS_CPU_SECONDS,
    Q_PROCESS_OPEN_FDS,
    Q_PROCESS_MAX_FDS,
    Q_PROCESS_VIRTUAL_BYTES,
    Q_PROCESS_RESIDENT_BYTES,
    Q_PROCESS_START_TIME_SECONDS,
    Q_SELF_HTTP_REQUESTS,
    Q_SELF_FAULT_ACTIVE,
    Q_SELF_RW_SENT,
    Q_SELF_RW_FAILED,
    Q_SELF_RW_RETRIED,
    Q_SELF_RW_DROPPED,
    Q_SELF_RW_PENDING,
};

/* Labels a row adds beyond its scope's identity labels, one series per value. */
enum row_dimension {
    DIM_NONE,
    DIM_FORMAT,       /* `format`: one series per exposition format */
    DIM_REQUESTS,     /* `handler`, `code`: one series per pair seen so far (at most
                       * CATALOG_MAX_REQUEST_SERIES); a family with none is not written */
    DIM_REMOTE_WRITE, /* one series, written only while remote write is on */
    DIM_FAULTS,       /* `id`, `kind`, `target`, `source`: see below */
};
#define CATALOG_MAX_REQUEST_SERIES 128
/* DIM_FAULTS: `id`, `kind`, `target`, `source`: one series per fault active at the tick
 * (at most FAULT_MAX, model/fault.h); a family with none is not written. */

/* IF-MIB ifOperStatus, in the MIB's order (value = index + 1). */
enum oper_state {
    OPER_UP,
    OPER_DOWN,
    OPER_TESTING,
    OPER_UNKNOWN,
    OPER_DORMANT,
    OPER_NOT_PRESENT,
    OPER_LOWER_LAYER_DOWN,
    OPER_STATE_COUNT
};

struct metric_def {
    struct expo_family family;
    enum metric_scope scope;
    enum quantity quantity;
    enum row_dimension dim;
};

/* Bit i of a family mask selects catalog row i. */
#define CATALOG_MAX_ROWS 64

extern const struct metric_def catalog_rows[];
extern const size_t catalog_n_rows;

uint64_t catalog_all(void);
/* The rows of one scope. */
uint64_t catalog_scope_rows(enum metric_scope scope);
/* Series one row exposes per entity of its scope (a stateset: one per state). */
uint64_t catalog_row_series(const struct metric_def *row);
/* Series per entity of `scope` for the selected rows. */
uint64_t catalog_series_per(enum metric_scope scope, uint64_t families);
/* Series of a whole exposition of a fleet of this shape. */
uint64_t catalog_series_count(size_t n_devices, size_t n_ports, uint64_t families);

/* Parses a comma-separated list of family names of `scope` ("a,b"), or "all", and returns
 * `families` with that scope's rows replaced by the list (other scopes unchanged).
 * Unknown or other-scope names are errors naming the entry; `flag` prefixes messages. */
int catalog_select(const char *list, enum metric_scope scope, const char *flag, uint64_t *families,
                   struct errbuf *err);

#endif /* SWITCHSIM_CATALOG_H */
