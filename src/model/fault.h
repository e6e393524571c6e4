/* fault.h - incidents made on demand: the kinds of fault, their targets and parameters,
 * and the set of faults a simulation applies.
 *
 * A fault is a kind, a target (a device, a port, or the link a port is in), parameters,
 * and a time pattern in ticks: occurrences [start, start + duration) and, when period is
 * not 0, again every period ticks after that, `count` times in all (0: without end). A
 * flap is down only during the first half of each flap interval of an occurrence.
 * Faults come from the fault API (exporter) and from a profile's `scenario:` (config);
 * both describe them with the one table of kinds below, which also drives validation,
 * usage and docs/INCIDENTS.md.
 *
 * Ownership: a fault_set owns its array; faults hold fleet indices, not pointers, so a set
 * can be checked against another fleet (reload) with fault_set_retarget().
 * Threading: plain data; callers serialize writers (the exporter's lock). */
#ifndef SWITCHSIM_FAULT_H
#define SWITCHSIM_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "base/errbuf.h"
#include "base/strbuf.h"
#include "model/model.h"

/* Active and remembered faults one process holds (API and scenario together). */
#define FAULT_MAX 1024
/* Ended faults are remembered this long (they shape counters until the next reboot). */
#define FAULT_KEEP_MS (86400000ULL)
/* No fault lasts longer than this (ticks of time are 64-bit; this keeps sums in range). */
#define FAULT_MAX_DURATION_MS (366ULL * 86400000ULL)

enum fault_kind {
    FAULT_LINK_CUT,        /* the link (or a host-facing port's cable) is down: both ends */
    FAULT_ADMIN_DOWN,      /* the port is administratively down */
    FAULT_FLAP,            /* down for half of every interval, `count` times */
    FAULT_REBOOT,          /* the device reboots at the start */
    FAULT_CONGESTION,      /* a host-facing port's egress drains at 1/factor of line rate */
    FAULT_ERROR_BURST,     /* errored frames arrive at a rate of `rate` per second */
    FAULT_BROADCAST_STORM, /* broadcasts enter a host port and flood its device's others */
    FAULT_PROBE_SLOW,      /* /probe of the device answers after `delay` */
    FAULT_PROBE_ERROR,     /* /probe of the device answers 503 */
    FAULT_PROBE_HANG,      /* /probe of the device never answers (the client times out) */
    FAULT_KIND_COUNT
};

enum fault_target { FAULT_ON_DEVICE, FAULT_ON_PORT };

/* Parameters a kind reads (one slot each; 0 is "not given": every minimum is above 0). */
enum fault_param {
    FAULT_P_FACTOR,
    FAULT_P_RATE, /* errored frames per second */
    FAULT_P_DELAY_MS,
    FAULT_P_INTERVAL_MS, /* a flap's period */
    FAULT_P_FLAPS,       /* a flap's number of down phases */
    FAULT_PARAM_SLOTS
};

struct fault_kind_info {
    const char *name;
    const char *summary; /* one line for docs and errors */
    /* the parameters it takes: name, unit ("", "s" for a duration with units, "/s"),
     * lower and upper bound (inclusive), default, and the slot it fills */
    struct fault_param_info {
        const char *name;
        const char *unit;
        double min, max, def;
        enum fault_param slot;
    } params[2];
    size_t n_params;
    enum fault_target target;
};

extern const struct fault_kind_info fault_kinds[FAULT_KIND_COUNT];

/* An incident of the library: a few faults at offsets from its start, for a profile's
 * scenario or the API by name. Every step targets the incident's target. */
struct incident_step {
    enum fault_kind kind;
    uint64_t offset_ms, for_ms; /* for_ms 0: the kind's own (a flap's count x interval) */
    enum fault_param slot;      /* one parameter (FAULT_PARAM_SLOTS: none) */
    double value;
};
struct incident {
    const char *name;
    enum fault_target target;
    const char *summary;
    struct incident_step steps[3];
    size_t n_steps;
};
#define INCIDENT_COUNT 4 /* a reboot is the fault kind `reboot` itself */
extern const struct incident incidents[INCIDENT_COUNT];
/* The incident named `name`, or NULL. */
const struct incident *incident_by_name(const char *name);
/* Ticks from an incident's start to the end of its last step. */
uint64_t incident_span_ms(const struct incident *inc);

struct fault {
    uint64_t id;
    size_t device; /* fleet device index */
    long port;     /* fleet-wide port index, -1 for device faults */
    uint64_t start_tick;
    uint64_t duration_ticks; /* of one occurrence; UINT64_MAX: until cleared */
    uint64_t period_ticks;   /* 0: once */
    uint64_t count;          /* occurrences when period > 0; 0: without end */
    uint64_t flap_ticks;     /* a flap's interval; 0 for other kinds */
    const char *source;      /* "api" or the scenario event's name; static or fleet-owned */
    double param[FAULT_PARAM_SLOTS];
    enum fault_kind kind;
    int start_relative; /* a scenario's `at: +DURATION`: start_tick counts from the load */
    char target_name[2 * SWITCHSIM_MAX_NAME_BYTES + 2]; /* "dev" or "dev:port" */
};

struct fault_set {
    struct fault *faults;
    size_t n, cap;
    uint64_t next_id;
    uint64_t generation; /* bumped by every change; simulations compare it */
};

void fault_set_init(struct fault_set *set);
void fault_set_cleanup(struct fault_set *set);
/* Copies src into dst (dst's old contents freed). */
void fault_set_copy(struct fault_set *dst, const struct fault_set *src);

/* The kind named `name`, or -1. */
int fault_kind_by_name(const char *name);

/* Fills f->device/port/target_name from "DEVICE" or "DEVICE:PORT" for f->kind. -1 with
 * the reason when the device or port does not exist or the kind needs the other target. */
int fault_resolve_target(struct fault *f, const struct fleet *fleet, const char *target,
                         struct errbuf *err);

/* Sets a parameter by name with its bound check; -1 with the reason otherwise. */
int fault_set_param(struct fault *f, const char *name, double value, struct errbuf *err);
/* Fills unset parameters with defaults; for a flap, sets flap_ticks and, when the
 * duration is open, the duration of its flaps. tick_ms is the fleet's. -1 with the reason
 * when the whole is inconsistent (a flap interval under two ticks, a period shorter than
 * the duration). */
int fault_finish(struct fault *f, uint64_t tick_ms, struct errbuf *err);

/* Adds a copy of f with a new id (stored in *id). -1 when the set is full. */
int fault_set_add(struct fault_set *set, const struct fault *f, uint64_t *id, struct errbuf *err);
/* Ends the fault `id` at tick `end` (it stays in the set as history while it mattered; a
 * fault that had not started is forgotten). 0 done; -1 no such fault or it has ended
 * already; -2 it repeats (a scenario event: those change with the profile). */
int fault_set_end(struct fault_set *set, uint64_t id, uint64_t end_tick);
/* The tick after the fault's last active tick (UINT64_MAX: open). */
uint64_t fault_end(const struct fault *f);
/* Drops faults that ended before `tick` (they can no longer change what is served). */
void fault_set_prune(struct fault_set *set, uint64_t tick);

/* The first start of an occurrence after t, or UINT64_MAX. */
uint64_t fault_next_start(const struct fault *f, uint64_t t);
/* 1 when the fault is active at tick t. */
int fault_active(const struct fault *f, uint64_t t);
/* The first tick after t at which fault_active changes, or UINT64_MAX. */
uint64_t fault_next_change(const struct fault *f, uint64_t t);
/* Ticks of [a, b) at which the fault is active. */
uint64_t fault_active_ticks(const struct fault *f, uint64_t a, uint64_t b);
/* The last start of an occurrence at or before t (1), or 0 when none has started. */
int fault_last_start(const struct fault *f, uint64_t t, uint64_t *start);

/* What the API or a scenario event asks for, before it is placed in time: a kind or an
 * incident of the library, a target, parameters by name (durations in ms), a duration
 * (0: open, or the incident's own) and repeats. */
struct fault_spec {
    int kind;                        /* enum fault_kind, when incident is NULL */
    const struct incident *incident; /* or an incident by name */
    const char *target;
    const char *param_names[4];
    double param_values[4];
    size_t n_params;
    uint64_t duration_ms;
    uint64_t every_ms, count; /* repeats; every 0: once */
    int start_relative;
    const char *source; /* static or owned by whoever outlives the faults */
};

/* The faults of spec starting at start_tick (ticks of fleet->tick_ms), into out[0..max):
 * one, or one per step of an incident; their number in *n. -1 with the reason (unknown
 * target, parameter out of range, inconsistent times). Ids are not set. */
int fault_spec_expand(const struct fault_spec *spec, const struct fleet *fleet, uint64_t start_tick,
                      struct fault *out, size_t max, size_t *n, struct errbuf *err);

/* One event of a profile's `scenario:`, as loaded (config/profile.c checked it). Strings
 * are fleet-owned. at_ms: with start_relative, from when the profiles are loaded; else
 * ms since the epoch (for epoch-anchored repeats, the offset of the first). */
struct scenario_event {
    struct fault_spec spec;
    uint64_t at_ms;
};

/* The faults of the fleet's scenario for a process that loaded it at load_tick (relative
 * starts count from it), added to set with their ids. An event that no longer fits (a flap
 * interval under two ticks of a changed tick) is left out with its reason in err: returns
 * -1 after adding the others. */
int fault_scenario_faults(const struct fleet *fleet, uint64_t load_tick, struct fault_set *set,
                          struct errbuf *err);

/* Appends the fault as a JSON object (id, kind, target, source, start/end in ms). */
void fault_to_json(const struct fault *f, uint64_t tick_ms, struct strbuf *sb);

#endif /* SWITCHSIM_FAULT_H */
