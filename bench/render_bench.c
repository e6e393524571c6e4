/* render_bench.c - render cost without HTTP: ns per series for a profile.
 *
 * Usage: render_bench PROFILE [FAMILIES] [SECONDS] [text|openmetrics]
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
#include "metrics/budget.h"
#include "metrics/catalog.h"
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
        fprintf(stderr, "usage: render_bench PROFILE [FAMILIES] [SECONDS] [text|openmetrics]\n");
        return 2;
    }
    struct errbuf err;
    uint64_t mask = catalog_all();
    if (argc > 2 && catalog_select(argv[2], SCOPE_PORT, "FAMILIES", &mask, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    double budget_s = argc > 3 ? strtod(argv[3], NULL) : 2.0;
    enum expo_format format =
        argc > 4 && strcmp(argv[4], "openmetrics") == 0 ? EXPO_OPENMETRICS_100 : EXPO_TEXT_004;
    const char *paths[] = {argv[1]};
    struct fleet *fleet = NULL;
    struct profile_budget budget;
    catalog_budget(mask, &budget);
    if (profile_load(paths, 1, &budget, &fleet, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    struct sim *sim = sim_new(fleet, 1, 1795305600000LL);
    sim_advance_to(sim, 60);
    struct build_info build = {"bench", "bench"};
    struct collectors *c = collectors_new(fleet, &build, 1795305600000LL);
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
        expo_init(&w, &sb, format, sim_time_ms(sim), 1);
        struct scrape_ctx ctx = {.sim = sim, .sel = {mask, 0, fleet->n_devices}};
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
