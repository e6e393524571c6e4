/* backfill.c - the backfill subcommand (backfill.h). */
#include "app/backfill.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "expo/expo.h"
#include "serve/history.h"
#include "serve/world.h"

int backfill_ticks(int64_t from_ms, int64_t to_ms, uint64_t step_ms, int64_t start_ms,
                   uint64_t tick_ms, uint64_t *first_tick, uint64_t *last_tick,
                   uint64_t *step_ticks, struct errbuf *err)
{
    if (step_ms == 0)
        step_ms = tick_ms;
    if (step_ms % tick_ms != 0)
        return errbuf_set(err,
                          "--step: %llums is not a multiple of the profile's tick (%llums); "
                          "samples exist only at ticks",
                          (unsigned long long)step_ms, (unsigned long long)tick_ms);
    if (from_ms > to_ms)
        return errbuf_set(err, "--from is after --to");
    if (from_ms < start_ms)
        return errbuf_set(err, "--from is before the simulation's tick 0 (1970-01-01T00:00:00Z)");
    uint64_t first = ((uint64_t)(from_ms - start_ms) + tick_ms - 1) / tick_ms;
    uint64_t last_possible = (uint64_t)(to_ms - start_ms) / tick_ms;
    if (first > last_possible)
        return errbuf_set(err, "no tick between --from and --to");
    *first_tick = first;
    *step_ticks = step_ms / tick_ms;
    *last_tick = first + (last_possible - first) / *step_ticks * *step_ticks;
    return 0;
}

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct progress {
    double t0;
};

#define PROGRESS_BAR_WIDTH 40

static void show_progress(uint64_t done, uint64_t total, void *ctx)
{
    const struct progress *p = ctx;
    double elapsed = monotonic_s() - p->t0;
    double frac = total ? (double)done / (double)total : 1.0;
    double eta = frac > 0 ? elapsed * (1.0 - frac) / frac : 0.0;
    int filled = (int)(frac * PROGRESS_BAR_WIDTH);
    char bar[PROGRESS_BAR_WIDTH + 1];
    memset(bar, '#', (size_t)filled);
    memset(bar + filled, '.', (size_t)(PROGRESS_BAR_WIDTH - filled));
    bar[PROGRESS_BAR_WIDTH] = '\0';
    fprintf(stderr, "\r[%s] %5.1f%% %llu/%llu ticks, ETA %.0fs ", bar, frac * 100.0,
            (unsigned long long)done, (unsigned long long)total, eta);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

int backfill_run(const struct options *opts, struct fleet *fleet, uint64_t seed, int64_t now_ms)
{
    struct errbuf err;
    int64_t from_ms = 0, to_ms = 0;
    if (cli_parse_when_ms("--from", opts->from, now_ms, &from_ms, &err) < 0 ||
        cli_parse_when_ms("--to", opts->to, now_ms, &to_ms, &err) < 0) {
        fprintf(stderr, "switchsim: error: %s\n", err.msg);
        fleet_free(fleet);
        return 2;
    }
    /* Ticks count from the epoch, as in a live process: tick k is at k * tick_ms
     * (--start-time has no effect, as in a live process). */
    int64_t start_ms = 0;
    struct history_range range = {.families = opts->families};
    if (backfill_ticks(from_ms, to_ms, opts->step_ms, start_ms, fleet->tick_ms, &range.first_tick,
                       &range.last_tick, &range.step_ticks, &err) < 0) {
        fprintf(stderr, "switchsim: error: %s\n", err.msg);
        fleet_free(fleet);
        return 2;
    }
    FILE *out = stdout;
    int to_stdout = strcmp(opts->output, "-") == 0;
    if (!to_stdout && !(out = fopen(opts->output, "w"))) {
        fprintf(stderr, "switchsim: error: %s: %s\n", opts->output, strerror(errno));
        fleet_free(fleet);
        return 1;
    }
    struct strbuf labels;
    strbuf_init(&labels, 64, 1 << 16);
    for (size_t i = 0; i < opts->n_labels; i++) {
        const char *eq = strchr(opts->labels[i], '=');
        strbuf_appendf(&labels, "%s%.*s=\"", i ? "," : "", (int)(eq - opts->labels[i]),
                       opts->labels[i]);
        expo_escape_label_value(&labels, eq + 1);
        strbuf_putc(&labels, '"');
    }
    range.labels = labels.data;
    struct world_params params = {
        .seed = seed, .process_start_ms = now_ms, .build = {"backfill", "backfill"}};
    struct world *w = world_new_at(fleet, &params, range.first_tick);
    struct progress prog = {monotonic_s()};
    uint64_t samples = 0;
    int rc = history_write(w, &range, out, isatty(STDERR_FILENO) ? show_progress : NULL, &prog,
                           &samples, &err);
    world_release(w);
    strbuf_cleanup(&labels);
    if (!to_stdout && fclose(out) != 0 && rc == 0)
        rc = errbuf_set(&err, "%s: %s", opts->output, strerror(errno));
    if (rc < 0) {
        fprintf(stderr, "switchsim: error: %s\n", err.msg);
        return 1;
    }
    return 0;
}
