/* exporter.h - turns "a scrape at wall-clock time now, asking for this selection" into an
 * exposition body.
 *
 * Owns the lock that serializes the simulation and rendering, and the current world
 * (world.h), which exporter_swap_world() replaces atomically. A scrape asks for a format
 * (text 0.0.4, OpenMetrics), an encoding (identity, gzip) and either every device or one.
 * The every-device body of the exporter's families is rendered at most once per tick,
 * format and encoding and shared, byte for byte, by every scrape of that tick (the gzip
 * body is compressed from the identity one, so both hold the same exposition). Any other
 * selection (one device, other families) is rendered on demand, in time proportional to
 * what it selects.
 * Bodies are reference counted: exporter_scrape() returns one reference, released with
 * body_release(); a body stays valid while referenced, after new ticks and world swaps.
 *
 * A background ticker (exporter_start_ticker) advances the simulation at every tick
 * boundary so state is advanced once per tick whether or not anyone scrapes and a
 * scrape never pays for catching up. Tests skip the ticker and pass time explicitly. */
#ifndef SWITCHSIM_EXPORTER_H
#define SWITCHSIM_EXPORTER_H

#include <stddef.h>
#include <stdint.h>

#include "base/errbuf.h"
#include "expo/expo.h"
#include "model/fault.h"
#include "serve/world.h"

/* Hard cap on one response body: a render that would exceed it fails loudly. */
#define EXPORTER_MAX_BODY_BYTES ((size_t)SWITCHSIM_MAX_BODY_BYTES)

enum body_encoding { BODY_IDENTITY = 0, BODY_GZIP = 1, BODY_ENCODING_COUNT };

struct body {
    char *data;
    size_t len;
    size_t cap; /* bytes allocated at data (reused for the next tick's render) */
    uint64_t tick;
    int64_t timestamp_ms;
    enum expo_format format;
    enum body_encoding encoding;
    int refs; /* atomic */
};

struct exporter_options {
    int timestamps;    /* 1: every sample carries its tick's timestamp */
    uint64_t families; /* catalog rows every scrape writes (metrics/catalog.h) */
    int64_t loaded_ms; /* when the profiles were loaded: the first reload success time */
};

/* What one scrape asks for. */
struct scrape_request {
    enum expo_format format;
    enum body_encoding encoding;
    const char *device; /* NULL: every device; else only the device of that name */
    uint64_t families;  /* catalog rows; 0: the exporter's (the shared, cached body) */
};

/* SCRAPE_UNKNOWN_DEVICE also answers a device of another --shard (err says which). */
enum scrape_status { SCRAPE_OK, SCRAPE_NOT_READY, SCRAPE_UNKNOWN_DEVICE, SCRAPE_FAILED };

struct exporter;

/* Takes over the caller's reference to the world. */
struct exporter *exporter_new(struct world *world, const struct exporter_options *opts);
void exporter_free(struct exporter *e); /* stops the ticker; NULL is a no-op */

/* Advances to the latest tick at now_ms (never backwards) and stores in *out the body the
 * request asks for at the simulation's current tick. A scrape simulates at most one slice
 * (about a million port-ticks) itself: SCRAPE_NOT_READY while the simulation is further behind
 * (catching up, which the ticker does) or the clock is behind the current tick (it stepped back).
 * SCRAPE_NOT_READY, SCRAPE_UNKNOWN_DEVICE and SCRAPE_FAILED fill err with the reason. Thread-safe.
 */
enum scrape_status exporter_scrape(struct exporter *e, int64_t now_ms,
                                   const struct scrape_request *req, struct body **out,
                                   struct errbuf *err);
/* Advances as the ticker does (without a scrape), catching up in slices that release the
 * lock between them (scrapes answer "not ready" meanwhile), until current or until the
 * ticker is asked to stop. When the every-device body of a format and encoding was
 * scraped in each of the two ticks before, renders it for the new tick, so the scrapes of
 * this tick find it ready. Thread-safe. */
void exporter_advance(struct exporter *e, int64_t now_ms);
/* 0 when a scrape at now_ms would be served; -1 with the reason (progress while catching
 * up, or the clock behind the simulation) otherwise. For /-/ready. Thread-safe. */
int exporter_ready(struct exporter *e, int64_t now_ms, struct errbuf *err);
/* Every-device renders of a format so far (switchsim_renders_total). Thread-safe. */
uint64_t exporter_renders(struct exporter *e, enum expo_format format);
/* The simulation's current tick, read under the lock (the ticker writes it). Thread-safe. */
uint64_t exporter_tick(struct exporter *e);

/* Replaces the world (taking over the caller's reference) and drops bodies rendered from
 * the old one; scrapes already holding them keep them. Thread-safe. */
void exporter_swap_world(struct exporter *e, struct world *next);
/* Replaces the world with `next` (taking over the caller's reference; built with
 * world_new_at() at or before the current tick). Values are a function of (profiles,
 * seed, faults, tick), so a port the new profiles model alike continues exactly; *carried
 * counts the ports that exist in both worlds by (device, port) name. Under the lock, API
 * faults whose targets exist in `next` are kept (the others dropped, logged), the scenario
 * becomes next's, and `next` is positioned at the current tick with them. Thread-safe. */
void exporter_reload_world(struct exporter *e, struct world *next, size_t *carried);
/* Where renders find the HTTP request counts (NULL: none); the counts must outlive their
 * use, so the web layer sets them after starting and clears them before stopping.
 * Thread-safe. */
void exporter_count_requests(struct exporter *e, const struct request_counts *requests);
/* Where renders find the remote-write counts (NULL: off, the families are not written); as
 * for exporter_count_requests, set after starting and cleared before stopping. Thread-safe. */
void exporter_count_remote_write(struct exporter *e, const struct remote_write_counts *counts);
/* Records a reload's outcome for switchsim_config_last_reload_* (ok: 0 or 1). Thread-safe. */
void exporter_note_reload(struct exporter *e, int ok, int64_t now_ms);
/* ---- faults (model/fault.h; docs/INCIDENTS.md) ----
 * The exporter holds the faults of its process: those of the profile's scenario (set with
 * each world) and those made through the fault API. Every change applies from the next
 * tick on, so nothing already served changes. Thread-safe. */

/* Adds the faults of spec (one, or the steps of an incident), starting at the next tick;
 * their ids in ids[0..*n_ids) (room for 4). -1 with the reason (unknown target, parameter
 * out of range, too many faults) and nothing applied. */
int exporter_add_fault(struct exporter *e, const struct fault_spec *spec, uint64_t ids[4],
                       size_t *n_ids, struct errbuf *err);
/* Ends fault `id` at the next tick: 0; -1 no such active fault; -2 it is a scenario event
 * (those change with the profile). */
int exporter_end_fault(struct exporter *e, uint64_t id);
/* Appends {"faults":[...]} with every fault active now or later (fault_to_json). */
void exporter_faults_json(struct exporter *e, struct strbuf *sb);
/* The scrape-layer fault on device `device` now: its kind (FAULT_PROBE_*) and, for
 * FAULT_PROBE_SLOW, the delay in *delay_ms; -1 when there is none. */
int exporter_probe_fault(struct exporter *e, const char *device, uint64_t *delay_ms);

/* The current world, with a reference the caller releases. Thread-safe; never waits for a
 * render (a lock of its own guards the pointer). */
struct world *exporter_world(struct exporter *e);

/* The options the exporter was created with. Thread-safe (immutable). */
const struct exporter_options *exporter_options_of(const struct exporter *e);

void body_retain(struct body *b);
void body_release(struct body *b); /* NULL is a no-op */

/* Starts/stops the background ticker thread (real clock). Returns -1 if it cannot start. */
int exporter_start_ticker(struct exporter *e, struct errbuf *err);
void exporter_stop_ticker(struct exporter *e);

/* Wall-clock time in ms since the epoch (CLOCK_REALTIME). */
int64_t exporter_now_ms(void);

#endif /* SWITCHSIM_EXPORTER_H */
