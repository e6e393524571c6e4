/* profile.h - YAML device profiles -> struct fleet.
 *
 * Loading is all-or-nothing: on any error the partly built fleet is freed, *out is
 * untouched and err holds one line of the form "FILE:LINE:COLUMN: WHERE: WHAT" (1-based
 * line and column, as editors count), or "FILE: WHAT" when no position applies
 * (unreadable file, not a regular file, empty profile). The keys are rows of tables in
 * profile.c (see config/schema.h); docs/PROFILES.md shows them and a unit test keeps the
 * two equal. Every limit is listed in docs/LIMITS.md.
 *
 * Time and memory are linear in the size of the files plus the size of the fleet; a
 * fleet over the caller's budget is refused before it is built in full. */
#ifndef SWITCHSIM_PROFILE_H
#define SWITCHSIM_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "base/errbuf.h"
#include "config/schema.h"
#include "model/model.h"

/* What a render of the fleet costs, as the caller's metric catalog knows it. The loader
 * refuses a fleet over max_series, max_label_bytes or max_body_bytes, saying which.
 *
 * Series: n_ports * series_per_port + n_devices * series_per_device + fixed_series.
 * Label bytes (struct fleet.label_bytes): every port's device, port, type and description
 * values and every device's name, vendor, model and profile labels (name + value +
 * label_overhead_bytes each), values counted escaped (\\, \" and newline take 2 bytes).
 * Body bytes (struct fleet.body_bytes_max), an upper bound:
 *   fixed_body_bytes
 *   + per port:   port_fixed_bytes + series_per_port * (device + port)
 *                 + port_attr_series * (type + description)
 *   + per device: device_fixed_bytes + series_per_device * device
 *                 + device_attr_series * (vendor + model + profile labels)
 * where a name stands for its escaped length. */
struct profile_budget {
    uint64_t series_per_port;
    uint64_t series_per_device;
    uint64_t fixed_series; /* independent of the fleet, e.g. the exporter's own */
    uint64_t max_series;
    /* bytes of one port's / one device's sample lines besides the profile's strings:
     * metric names, label names, punctuation, the largest value and timestamp, newlines */
    uint64_t port_fixed_bytes;
    uint64_t device_fixed_bytes;
    uint64_t fixed_body_bytes;     /* HELP and TYPE lines, the exporter's own series */
    uint64_t port_attr_series;     /* per-port series whose labels carry type and description */
    uint64_t device_attr_series;   /* per-device series carrying vendor, model and labels */
    uint64_t label_overhead_bytes; /* per profile label on such a series: ,name="" */
    uint64_t max_label_bytes;
    uint64_t max_body_bytes;
};

/* Limits of the files themselves (docs/LIMITS.md). */
#define PROFILE_MAX_FILE_BYTES ((size_t)16 * 1024 * 1024)
#define PROFILE_MAX_DEPTH      64
#define PROFILE_MAX_NODES      2000000

/* Loads every path into one fleet. A path is a regular file, or a directory whose *.yaml
 * and *.yml files are loaded in name order. Device names must be unique across all. */
int profile_load(const char *const *paths, size_t n_paths, const struct profile_budget *budget,
                 struct fleet **out, struct errbuf *err);

/* The port settings a profile starts from, from the rows' defaults. */
void profile_port_defaults(struct port_spec *spec);

/* The key tables, by the names docs/PROFILES.md marks them with ("profile", "simulation",
 * "device", "template", "port_group", "port_settings"); NULL for another name. */
const struct skey *profile_keys(const char *table_name);
extern const char *const profile_key_tables[]; /* those names, NULL-terminated */

#endif /* SWITCHSIM_PROFILE_H */
