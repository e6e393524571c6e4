/* render_bench.c - render cost without HTTP: ns per series for a profile.
 *
 * Usage: render_bench PROFILE [FAMILIES] [SECONDS]
 * Renders the profile's fleet at a fixed tick repeatedly (same code path as a scrape:
 * registry -> collectors -> expo into a reused buffer) for about SECONDS (default 2)
 * and prints one line of key=value pairs: series, bytes, renders, best/median ns per
 * series. Used by bench/bench.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/profile.h"
#include "expo/expo.h"
#include "metrics/collectors.h"
#include "metrics/registry.h"
#include "serve/exporter.h"
#include "sim/sim.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: render_bench PROFILE [FAMILIES] [SECONDS]\n");
        return 2;
    }
    struct errbuf err;
    unsigned mask = PORT_FAMILIES_ALL;
    if (argc > 2 && collectors_parse_port_families(argv[2], &mask, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    double budget_s = argc > 3 ? strtod(argv[3], NULL) : 2.0;
    const char *paths[] = {argv[1]};
    struct fleet *fleet = NULL;
    const struct profile_budget budget = {
        .series_per_port = MODEL_SERIES_PER_PORT,
        .series_per_device = MODEL_SERIES_PER_DEVICE,
        .fixed_series = MODEL_SELF_SERIES,
        .max_series = SWITCHSIM_MAX_SERIES,
        .port_fixed_bytes = MODEL_PORT_FIXED_BYTES,
        .device_fixed_bytes = MODEL_DEVICE_FIXED_BYTES,
        .fixed_body_bytes = MODEL_FIXED_BODY_BYTES,
        .port_attr_series = 1,
        .device_attr_series = 1,
        .label_overhead_bytes = MODEL_LABEL_OVERHEAD_BYTES,
        .max_label_bytes = SWITCHSIM_MAX_LABEL_BYTES,
        .max_body_bytes = EXPORTER_MAX_BODY_BYTES,
    };
    if (profile_load(paths, 1, &budget, &fleet, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    struct sim *sim = sim_new(fleet, 1, 1795305600000LL);
    sim_advance_to(sim, 60);
    struct build_info build = {"bench", "bench"};
    struct collectors *c = collectors_new(fleet, &build, 1795305600000LL, mask);
    struct registry reg;
    registry_init(&reg);
    collectors_register(c, &reg);

    struct strbuf sb;
    strbuf_init(&sb, 1 << 20, (size_t)4 << 30);
    double times[4096];
    int n = 0;
    double t_end = now_seconds() + budget_s;
    uint64_t series = 0;
    while (n < 4096 && (n < 3 || now_seconds() < t_end)) {
        strbuf_reset(&sb);
        struct expo w;
        expo_init(&w, &sb, sim_time_ms(sim), 1);
        struct scrape_ctx ctx = {sim, 0};
        double t0 = now_seconds();
        if (registry_collect(&reg, &w, &ctx, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        times[n++] = now_seconds() - t0;
        series = w.n_samples;
    }
    /* The first render faults the buffer's pages in; a server reuses warm memory only
     * partly, so report it too. */
    double first = times[0];
    qsort(times, (size_t)n, sizeof(times[0]), cmp_double);
    printf("series=%llu bytes=%zu renders=%d first_ns_per_series=%.2f best_ns_per_series=%.2f "
           "median_ns_per_series=%.2f\n",
           (unsigned long long)series, sb.len, n, first * 1e9 / (double)series,
           times[0] * 1e9 / (double)series, times[n / 2] * 1e9 / (double)series);
    strbuf_cleanup(&sb);
    collectors_free(c);
    sim_free(sim);
    fleet_free(fleet);
    return 0;
}
