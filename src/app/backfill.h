/* backfill.h - `switchsim backfill`: past ticks of a fleet as OpenMetrics for promtool.
 *
 * Values and timestamps are those a live process with the same profiles, seed and
 * --start-time serves at the same ticks (both render through serve/history.h's use of the
 * world's collectors). Self-metrics (process_*, switchsim_*) describe a running process and
 * are not written. A progress bar with ETA goes to stderr when stderr is a terminal.
 * Returns the exit code: 0, 1 (write or render failure), 2 (bad --from/--to/--step). */
#ifndef SWITCHSIM_BACKFILL_H
#define SWITCHSIM_BACKFILL_H

#include "app/cli.h"
#include "model/model.h"

/* Takes ownership of the fleet. now_ms resolves "now" and "-2h". */
int backfill_run(const struct options *opts, struct fleet *fleet, uint64_t seed, int64_t now_ms);

/* The ticks of a request: --from/--to (ms since the epoch) on a simulation whose tick 0 is
 * at start_ms with ticks of tick_ms. from is rounded up to the next tick, to down; step_ms 0
 * means one tick. Returns 0, or -1 with err (step not a positive multiple of the tick,
 * from after to, from before start_ms). */
int backfill_ticks(int64_t from_ms, int64_t to_ms, uint64_t step_ms, int64_t start_ms,
                   uint64_t tick_ms, uint64_t *first_tick, uint64_t *last_tick,
                   uint64_t *step_ticks, struct errbuf *err);

#endif /* SWITCHSIM_BACKFILL_H */
