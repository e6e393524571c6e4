/* model.h - the fleet: devices, ports and the settings that drive their simulation.
 *
 * Built once by profile.c, immutable afterwards, freed with fleet_free(). Every
 * string and array reachable from a fleet lives in the fleet's arena, so there is
 * exactly one owner and one free. Safe to read from any number of threads.
 *
 * Units are in the names: _bps (bits per second), _bytes, _ms (milliseconds). */
#ifndef SWITCHSIM_MODEL_H
#define SWITCHSIM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/errbuf.h"

/* Limits, enforced while loading so a profile cannot make the process run out of
 * memory. A series is one exposed sample line. */
#define SWITCHSIM_MAX_DEVICES          100000
#define SWITCHSIM_MAX_PORTS_PER_DEVICE 1024
#define SWITCHSIM_MAX_SERIES           10000000
/* Bytes of one device, port, type, vendor, model, template or label name (after {n}
 * expansion), and of one free-text value (description, label value). Longer ones are
 * rejected, never cut. */
#define SWITCHSIM_MAX_NAME_BYTES 255
#define SWITCHSIM_MAX_TEXT_BYTES 4096
/* Label value bytes all label sets of a fleet hold together (struct fleet.label_bytes). */
#define SWITCHSIM_MAX_LABEL_BYTES (128ULL * 1024 * 1024)
/* Bytes of one rendered exposition: a render that would exceed it fails loudly. */
#define SWITCHSIM_MAX_BODY_BYTES ((uint64_t)2 << 30)

enum link_pin { LINK_PIN_NONE = 0, LINK_PIN_UP, LINK_PIN_DOWN };

struct traffic_model {
    double utilization;         /* mean offered load as a fraction of line rate, 0..1 */
    double daily_swing;         /* amplitude of the daily cycle relative to the mean, 0..1 */
    double peak_hour_utc;       /* hour of day (UTC) at which the daily cycle peaks, [0, 24) */
    double noise;               /* std deviation of the slow random variation, relative, 0..1 */
    uint64_t noise_period_ms;   /* correlation time of that variation */
    double port_spread;         /* log-normal sigma of per-port means; 0 = all equal */
    double microbursts_per_s;   /* microbursts per second at full load (sub-tick) */
    uint64_t microburst_bytes;  /* typical peak queue a microburst builds at 50% load */
    uint64_t packet_size_bytes; /* size of bulk frames, 64..9216 */
    double error_ratio;         /* errored frames per frame on a bad link */
    double bad_link_share;      /* fraction of links that have errors at all, 0..1 */
};

struct link_model {
    uint64_t mtbf_ms;  /* mean time between failures; 0 = never fails */
    uint64_t mttr_ms;  /* mean time to repair */
    enum link_pin pin; /* LINK_PIN_UP/DOWN hold the link in that state */
};

/* Settings shared by the ports of a group; a per-port override gets its own copy. */
struct port_spec {
    const char *type;        /* transceiver/medium, e.g. "QSFP28"; never NULL */
    const char *description; /* free text; never NULL, may be "" */
    uint64_t speed_bps;      /* line rate */
    uint64_t buffer_capacity_bytes;
    int admin_down; /* administratively down: never up, no traffic, not a failure */
    struct traffic_model traffic;
    struct link_model link;
};

struct port {
    const char *name;
    const struct port_spec *spec;
};

struct label {
    const char *name;
    const char *value;
};

struct device {
    const char *name;
    const char *vendor;
    const char *model;
    const struct label *labels; /* free-form, exposed on switch_device_info only */
    size_t n_labels;
    struct port *ports;
    size_t n_ports;
    size_t first_port_index;   /* fleet-wide index of ports[0] */
    uint64_t reboot_mtbf_ms;   /* mean time between reboots; 0 = once a year */
    uint64_t boot_duration_ms; /* ports stay down this long after a reboot */
};

/* A cable between two ports, by fleet-wide port index; `a` is the end named first, whose
 * link settings (mtbf, mttr, state) the link uses. A port is in at most one link. */
struct fleet_link {
    size_t a, b;
};

struct scenario_event; /* model/fault.h */

struct fleet {
    struct device *devices;
    size_t n_devices;
    size_t cap_devices;
    size_t n_ports; /* sum of devices[i].n_ports */
    struct fleet_link *links;
    size_t n_links;
    size_t cap_links;
    uint64_t tick_ms; /* simulation step */
    int tick_set;     /* a profile named the tick (conflicts are errors) */
    uint64_t seed;
    int seed_set;
    /* the profiles' `scenario:` events, in order (fleet-owned; model/fault.h) */
    struct scenario_event *scenario;
    size_t n_scenario, cap_scenario;
    /* Set by the loader from its budget (config/profile.h): label value bytes of every
     * label set (escaped), and an upper bound on the bytes of one full render. */
    uint64_t label_bytes;
    uint64_t body_bytes_max;
    struct arena arena;
};

#define MODEL_DEFAULT_TICK_MS 1000

struct fleet *fleet_new(void);
void fleet_free(struct fleet *fleet); /* NULL is a no-op */

/* Arena allocation tied to the fleet's lifetime (zeroed memory). */
void *fleet_alloc(struct fleet *fleet, size_t size_bytes);
const char *fleet_strdup(struct fleet *fleet, const char *s);
const char *fleet_strndup(struct fleet *fleet, const char *s, size_t len);

/* Appends a device (copied shallowly; its strings/arrays must be fleet-owned, and may be
 * shared with other devices) and assigns first_port_index. Returns the stored device. */
struct device *fleet_add_device(struct fleet *fleet, const struct device *dev);
/* Appends a link (ends checked by the caller). */
void fleet_add_link(struct fleet *fleet, size_t a, size_t b);

/* A set of strings (borrowed pointers) for duplicate detection. */
struct strset {
    const char **slots;
    size_t cap;
    size_t count;
};
void strset_init(struct strset *set);
void strset_cleanup(struct strset *set);
/* Returns 1 if s was added, 0 if it was already there. */
int strset_add(struct strset *set, const char *s);
int strset_contains(const struct strset *set, const char *s);

/* Names -> index: a map from strings (borrowed pointers, must outlive the map) to size_t.
 * Insert and lookup take constant expected time. */
struct strmap_slot {
    const char *key;
    size_t value;
};
struct strmap {
    struct strmap_slot *slots;
    size_t cap;
    size_t count;
};
void strmap_init(struct strmap *map);
void strmap_cleanup(struct strmap *map);
/* Adds key -> value and returns 1; if key is present, stores its value in *existing (when
 * not NULL), changes nothing and returns 0. */
int strmap_put(struct strmap *map, const char *key, size_t value, size_t *existing);
/* Returns 1 and stores the value in *value if key is present, else 0. */
int strmap_get(const struct strmap *map, const char *key, size_t *value);

#endif /* SWITCHSIM_MODEL_H */
