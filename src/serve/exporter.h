/* exporter.h - turns "a scrape at wall-clock time now" into an exposition body.
 *
 * Owns the lock that serializes the simulation and rendering. A body is rendered at
 * most once per tick and encoding (identity, gzip) and shared, byte for byte, by every
 * scrape of that tick and encoding. The gzip body is compressed from the identity one,
 * so both always hold the same exposition.
 * Bodies are reference counted: exporter_scrape() returns one reference, released
 * with body_release(); a body stays valid while referenced even after a new tick.
 *
 * A background ticker (exporter_start_ticker) advances the simulation at every tick
 * boundary so state is advanced once per tick whether or not anyone scrapes and a
 * scrape never pays for catching up. Tests skip the ticker and pass time explicitly.
 *
 * Ownership: borrows the sim and the registry, which must outlive the exporter. */
#ifndef SWITCHSIM_EXPORTER_H
#define SWITCHSIM_EXPORTER_H

#include <stddef.h>
#include <stdint.h>

#include "base/errbuf.h"
#include "metrics/registry.h"
#include "sim/sim.h"

/* Hard cap on one response body: a render that would exceed it fails loudly. */
#define EXPORTER_MAX_BODY_BYTES ((size_t)2 << 30)

enum body_encoding { BODY_IDENTITY = 0, BODY_GZIP = 1 };

struct body {
    char *data;
    size_t len;
    size_t cap; /* bytes allocated at data (reused for the next tick's render) */
    uint64_t tick;
    int64_t timestamp_ms;
    enum body_encoding encoding;
    int refs; /* atomic */
};

struct exporter;

struct exporter *exporter_new(struct sim *sim, const struct registry *reg, int timestamps);
void exporter_free(struct exporter *e); /* stops the ticker; NULL is a no-op */

/* Advances to the latest tick at now_ms (never backwards) and returns the body of the
 * simulation's current tick, rendering it if this is the tick's first scrape. Returns
 * NULL and fills err if the render failed. Thread-safe. */
struct body *exporter_scrape(struct exporter *e, int64_t now_ms, enum body_encoding encoding,
                             struct errbuf *err);
/* Advances without rendering. Thread-safe. */
void exporter_advance(struct exporter *e, int64_t now_ms);
/* The simulation's current tick, read under the lock (the ticker writes it). Thread-safe. */
uint64_t exporter_tick(struct exporter *e);

void body_retain(struct body *b);
void body_release(struct body *b); /* NULL is a no-op */

/* Starts/stops the background ticker thread (real clock). Returns -1 if it cannot start. */
int exporter_start_ticker(struct exporter *e, struct errbuf *err);
void exporter_stop_ticker(struct exporter *e);

/* Wall-clock time in ms since the epoch (CLOCK_REALTIME). */
int64_t exporter_now_ms(void);

#endif /* SWITCHSIM_EXPORTER_H */
