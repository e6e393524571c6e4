/* registry.h - the list of collector callbacks run on every render.
 *
 * A collector writes whole metric families into the exposition writer (expo.h).
 * Collectors run in registration order, under the exporter's lock; they read the
 * simulation state through the scrape context and must not keep pointers into it.
 * The registry borrows `user` pointers; it owns nothing else. */
#ifndef SWITCHSIM_REGISTRY_H
#define SWITCHSIM_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "expo/expo.h"

struct sim;

/* What one render writes: which catalog rows (metrics/catalog.h) for which devices. */
struct selection {
    uint64_t families;   /* bit i selects catalog row i */
    size_t first_device; /* devices [first_device, end_device) of the fleet */
    size_t end_device;
    /* NULL: every device of the range; else only the devices d with served[d] != 0 (a
     * --shard's, model/shard.h). Borrowed from the world for the render. */
    const unsigned char *served;
};

/* The simulator's own activity, kept by the exporter across worlds (reloads). */
struct self_stats {
    double last_render_seconds; /* how long the previous full render took */
    double render_seconds[EXPO_FORMAT_COUNT];
    uint64_t renders[EXPO_FORMAT_COUNT]; /* full renders, by format */
    double gzip_seconds;
    uint64_t gzips;
    int last_reload_ok;             /* 1 unless the latest reload failed */
    int64_t last_reload_success_ms; /* start-up, then every successful reload */
};

/* HTTP requests answered, by handler and status code, counted by the web layer for
 * switchsim_http_requests_total. counts[h * REQUEST_N_CODES + c] is the count of handler h
 * with status request_codes[c] (the last slot: any other status); updated with atomic adds,
 * read with atomic loads. Owned by the web layer, which outlives every render. */
#define REQUEST_N_CODES 10
extern const unsigned request_codes[REQUEST_N_CODES]; /* 0 in the last slot: "other" */
struct request_counts {
    const char *const *handlers; /* route paths, e.g. "/metrics"; the last: "other" */
    size_t n_handlers;
    uint64_t *counts;
};
/* The slot of a status code in request_codes. */
size_t request_code_slot(unsigned status);

/* Remote-write delivery counts (serve/remote_write.h), in samples, for the
 * switchsim_remote_write_* families. Updated and read with atomics; owned by the writer,
 * which registers them with the exporter while it runs. */
struct remote_write_counts {
    uint64_t sent;    /* accepted by the receiver (2xx) */
    uint64_t failed;  /* refused for good (4xx other than 429) */
    uint64_t retried; /* sent again after a 5xx, 429 or connection error */
    uint64_t dropped; /* shed by the queue bound, or still queued at stop */
    uint64_t pending; /* queued or in flight now */
};

/* What a collector may look at during one render. */
struct scrape_ctx {
    const struct sim *sim; /* at the tick being rendered: sim_time_ms() is its time */
    struct selection sel;
    struct self_stats self;
    const struct request_counts *requests;          /* NULL: none counted (tests, tools) */
    const struct remote_write_counts *remote_write; /* NULL: remote write is off */
};

typedef int (*collector_fn)(struct expo *w, const struct scrape_ctx *ctx, void *user);

#define REGISTRY_MAX_COLLECTORS 16

struct registry {
    struct {
        const char *name;
        collector_fn fn;
        void *user;
    } items[REGISTRY_MAX_COLLECTORS];
    size_t n;
};

void registry_init(struct registry *reg);
/* Returns -1 when the registry is full. */
int registry_add(struct registry *reg, const char *name, collector_fn fn, void *user);
/* Runs every collector, then ends the exposition; stops at the first failure and explains
 * it in err. */
int registry_collect(const struct registry *reg, struct expo *w, const struct scrape_ctx *ctx,
                     struct errbuf *err);

#endif /* SWITCHSIM_REGISTRY_H */
