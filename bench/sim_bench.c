/* sim_bench.c - what the simulation costs: positioning a fleet at a tick (start-up), and
 * computing every tick (ns per port-tick) or every Nth (a backfill step), on one core.
 *
 *   sim_bench PROFILE SPAN_TICKS STEP_TICKS
 * prints one line of key=value pairs. Values are not checked here (tests/test_network.c
 * does that); this only measures. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "config/profile.h"
#include "metrics/budget.h"
#include "metrics/catalog.h"
#include "sim/sim.h"

#define START_TICK_MS 1795305600000ULL /* 2026-11-22T00:00:00Z */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: sim_bench PROFILE SPAN_TICKS STEP_TICKS\n");
        return 2;
    }
    const char *paths[] = {argv[1]};
    uint64_t span = strtoull(argv[2], NULL, 10), step = strtoull(argv[3], NULL, 10);
    if (!span || !step) {
        fprintf(stderr, "sim_bench: SPAN_TICKS and STEP_TICKS must be positive\n");
        return 2;
    }
    struct profile_budget budget;
    catalog_budget(catalog_all(), &budget);
    struct fleet *fleet = NULL;
    struct errbuf err;
    if (profile_load(paths, 1, &budget, &fleet, &err) != 0) {
        fprintf(stderr, "sim_bench: %s\n", err.msg);
        return 2;
    }
    uint64_t t0 = START_TICK_MS / fleet->tick_ms;
    double a = now_s();
    struct sim *sim = sim_new(fleet, 1, t0);
    double positioned = now_s() - a;
    uint64_t evaluated = 0, checksum = 0;
    a = now_s();
    for (uint64_t k = step; k <= span; k += step) {
        sim_advance_to(sim, t0 + k);
        checksum += sim_port(sim, 0)->rx_packets; /* keep the work observable */
        evaluated++;
    }
    double run = now_s() - a;
    double port_ticks = (double)evaluated * (double)fleet->n_ports;
    printf("ports=%zu span_ticks=%llu step_ticks=%llu position_s=%.3f run_s=%.3f "
           "ns_per_evaluated_port_tick=%.1f ns_per_simulated_port_tick=%.2f checksum=%llu\n",
           fleet->n_ports, (unsigned long long)span, (unsigned long long)step, positioned, run,
           run * 1e9 / port_ticks, run * 1e9 / ((double)span * (double)fleet->n_ports),
           (unsigned long long)checksum);
    sim_free(sim);
    fleet_free(fleet);
    return 0;
}
