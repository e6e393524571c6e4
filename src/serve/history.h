/* history.h - the fleet over a range of ticks as one OpenMetrics exposition, for backfill.
 *
 * Renders each tick with the world's own collectors (the same bytes a live OpenMetrics
 * scrape of that tick holds, timestamps included), then writes the ticks of a chunk
 * series-major: family metadata once, then each series' samples in time order, as
 * `promtool tsdb create-blocks-from openmetrics` needs. A chunk holds as many ticks as fit in
 * HISTORY_CHUNK_BYTES of rendered text; a range longer than one chunk repeats each family
 * once per chunk (promtool accepts that; strict OpenMetrics does not - docs/HISTORY.md).
 *
 * Ownership: borrows the world, which it advances (the world must not be shared with an
 * exporter). Threading: single-threaded. */
#ifndef SWITCHSIM_HISTORY_H
#define SWITCHSIM_HISTORY_H

#include <stdint.h>
#include <stdio.h>

#include "base/errbuf.h"
#include "serve/world.h"

#define HISTORY_CHUNK_BYTES ((size_t)256 << 20)

/* Called after each chunk with the ticks written so far and the total. */
typedef void (*history_progress_fn)(uint64_t done_ticks, uint64_t total_ticks, void *ctx);

struct history_range {
    uint64_t first_tick; /* simulation ticks (sim.h), first_tick <= last_tick */
    uint64_t last_tick;  /* inclusive */
    uint64_t step_ticks; /* >= 1 */
    uint64_t families;   /* catalog rows; self-metric rows are dropped (they describe a process) */
    const char *labels;  /* rendered `n1="v1",n2="v2"` added to every series (the scrape's
                          * job and instance), or NULL/"" for none */
};

/* Writes ticks first, first+step, ... <= last, then "# EOF". *samples_out (may be NULL)
 * receives the number of samples written. Returns 0, or -1 with err (render or write). */
int history_write(struct world *w, const struct history_range *range, FILE *out,
                  history_progress_fn progress, void *progress_ctx, uint64_t *samples_out,
                  struct errbuf *err);

#endif /* SWITCHSIM_HISTORY_H */
