/* test_sim.c - simulation invariants over long simulated runs, determinism, and the
 * shape of the traffic. Time is an argument: nothing here sleeps. */
#include "testutil.h"

#include "config/profile.h"
#include "sim/sim.h"
#include "stack.h"

#define START_MS 1795305600000LL /* 2026-11-22T00:00:00Z: a midnight, for the daily cycle */

static struct fleet *load(const char *rel)
{
    const char *paths[] = {rel};
    struct fleet *fleet = NULL;
    struct errbuf err;
    if (profile_load(paths, 1, &stack_budget, &fleet, &err) != 0)
        fail_msg("%s", err.msg);
    return fleet;
}

static int setup(void **state)
{
    *state = load(FIXTURE("fixtures/profiles/ok/sim.yaml"));
    return 0;
}

static int teardown(void **state)
{
    fleet_free(*state);
    return 0;
}

static const struct port_spec *spec_of(const struct fleet *fleet, size_t i)
{
    for (size_t d = 0; d < fleet->n_devices; d++) {
        const struct device *dev = &fleet->devices[d];
        if (i < dev->first_port_index + dev->n_ports)
            return dev->ports[i - dev->first_port_index].spec;
    }
    fail_msg("no port %zu", i);
    abort();
}

static uint64_t t0_of(const struct fleet *fleet)
{
    return (uint64_t)START_MS / fleet->tick_ms;
}

/* Invariants of every port at every tick over a simulated day (the network-wide ones are
 * in test_network.c). */
static void test_sim_invariants_over_a_day(void **state)
{
    const struct fleet *fleet = *state;
    const uint64_t t0 = t0_of(fleet);
    struct sim *sim = sim_new(fleet, 11, t0);
    size_t n = fleet->n_ports;
    struct port_state *prev = calloc(n, sizeof(*prev));
    memcpy(prev, sim_ports(sim), n * sizeof(*prev));
    uint64_t errors = 0, drops = 0, down_ticks = 0, queued = 0;
    for (uint64_t t = 1; t <= 86400000 / fleet->tick_ms; t++) {
        sim_advance_to(sim, t0 + t);
        for (size_t i = 0; i < n; i++) {
            const struct port_state *st = sim_port(sim, i);
            const struct port_spec *spec = spec_of(fleet, i);
            size_t d = 0;
            while (i >= fleet->devices[d].first_port_index + fleet->devices[d].n_ports)
                d++;
            if (sim_device(sim, d)->boot_tick == t0 + t) { /* rebooted: counters restart */
                prev[i] = *st;
                continue;
            }
            assert_true(st->rx_packets >= prev[i].rx_packets);
            assert_true(st->tx_packets >= prev[i].tx_packets);
            assert_true(st->tx_drops >= prev[i].tx_drops);
            assert_true(st->rx_errors >= prev[i].rx_errors);
            assert_true(st->buffer_level_bytes <= spec->buffer_capacity_bytes);
            assert_true(st->buffer_watermark_bytes <= spec->buffer_capacity_bytes);
            assert_true(st->rx_bytes >= SIM_MIN_FRAME_BYTES * st->rx_packets);
            /* never more than line rate in a tick */
            double line_frames = (double)spec->speed_bps / 8.0 * (double)fleet->tick_ms / 1000.0 /
                                 (SIM_MIN_FRAME_BYTES + SIM_WIRE_OVERHEAD_BYTES);
            if ((double)(st->tx_packets - prev[i].tx_packets) > line_frames + 1)
                print_message("port %zu t %llu tx %llu line %.0f util %f\n", i,
                              (unsigned long long)t,
                              (unsigned long long)(st->tx_packets - prev[i].tx_packets),
                              line_frames, (double)st->tx_utilization);
            assert_true((double)(st->tx_packets - prev[i].tx_packets) <= line_frames + 1);
            if (!prev[i].link_up) { /* down for the whole tick: nothing moved */
                assert_int_equal(st->rx_packets, prev[i].rx_packets);
                assert_int_equal(st->tx_packets, prev[i].tx_packets);
                down_ticks++;
            }
            if (!st->link_up)
                assert_int_equal(st->buffer_level_bytes, 0);
            errors += st->rx_errors - prev[i].rx_errors;
            drops += st->tx_drops - prev[i].tx_drops;
            queued += st->buffer_level_bytes > 0;
            prev[i] = *st;
        }
    }
    /* not vacuous: links went down, buffers held frames, frames were dropped and errored */
    print_message("down %llu, queued %llu, drops %llu, errors %llu\n",
                  (unsigned long long)down_ticks, (unsigned long long)queued,
                  (unsigned long long)drops, (unsigned long long)errors);
    assert_true(down_ticks > 100);
    assert_true(queued > 100);
    assert_true(drops > 0);
    assert_true(errors > 0);
    free(prev);
    sim_free(sim);
}

static void test_sim_pinned_links(void **state)
{
    const struct fleet *fleet = *state;
    const uint64_t t0 = t0_of(fleet);
    struct sim *sim = sim_new(fleet, 11, t0);
    /* up1 (pinned down) and up2 (pinned up) are ports 4 and 5 of every device */
    for (uint64_t t = 0; t <= 20000; t += 50) {
        sim_advance_to(sim, t0 + t);
        for (size_t d = 0; d < fleet->n_devices; d++) {
            size_t base = fleet->devices[d].first_port_index;
            const struct port_state *down = sim_port(sim, base + 4);
            const struct port_state *up = sim_port(sim, base + 5);
            assert_false(down->link_up);
            assert_int_equal(down->rx_packets, 0);
            assert_int_equal(down->carrier_transitions, 0);
            assert_true(up->link_up || sim_device(sim, d)->booting);
        }
    }
    assert_true(sim_port(sim, 5)->rx_packets > 0);
    sim_free(sim);
}

/* Fraction of time down over a long run ~ MTTR / MTBF = 2 min / 2 h (a failure is cut at
 * the end of its window, a quarter of the MTBF: about 1 % shorter on average here). */
static void test_sim_down_fraction_matches_mtbf_mttr(void **state)
{
    const struct fleet *fleet = *state;
    const uint64_t t0 = t0_of(fleet);
    struct sim *sim = sim_new(fleet, 99, t0);
    uint64_t ticks = 28 * 86400000ULL / fleet->tick_ms; /* four simulated weeks */
    uint64_t down = 0, samples = 0;
    for (uint64_t t = 1; t <= ticks; t += 3) {
        sim_advance_to(sim, t0 + t);
        for (size_t d = 0; d < fleet->n_devices; d++)
            for (size_t p = 0; p < 4; p++) { /* the eth ports: not pinned */
                down += !sim_port(sim, fleet->devices[d].first_port_index + p)->link_up;
                samples++;
            }
    }
    double fraction = (double)down / (double)samples;
    /* 16 ports x 336 expected failures: the relative standard error is about 1.5 %; the
     * reboots (a day's MTBF, 5 min each) add about 0.35 %. */
    print_message("down fraction %.5f\n", fraction);
    assert_double_near(fraction, 2.0 / 120.0 + 0.0035, 0.0025);
    sim_free(sim);
}

static int same_state(const struct port_state *a, const struct port_state *b)
{
    return a->rx_packets == b->rx_packets && a->tx_packets == b->tx_packets &&
           a->tx_packets == b->tx_packets && a->tx_drops == b->tx_drops &&
           a->rx_errors == b->rx_errors && a->link_up == b->link_up &&
           a->buffer_level_bytes == b->buffer_level_bytes &&
           a->carrier_transitions == b->carrier_transitions;
}

/* Same inputs, same values - however the ticks were reached. */
static void test_sim_deterministic_and_scrape_independent(void **state)
{
    const struct fleet *fleet = *state;
    const uint64_t t0 = t0_of(fleet);
    struct sim *stepwise = sim_new(fleet, 5, t0);
    struct sim *jump = sim_new(fleet, 5, t0);
    struct sim *other_seed = sim_new(fleet, 6, t0);
    for (uint64_t t = 1; t <= 17280; t++) /* a day, one tick at a time (every scrape) */
        sim_advance_to(stepwise, t0 + t);
    sim_advance_to(jump, t0 + 5000); /* irregular scrapes */
    sim_advance_to(jump, t0 + 5000);
    sim_advance_to(jump, t0 + 17280);
    sim_advance_to(other_seed, t0 + 17280);
    size_t differ = 0;
    for (size_t i = 0; i < fleet->n_ports; i++) {
        assert_true(same_state(sim_port(stepwise, i), sim_port(jump, i)));
        differ += !same_state(sim_port(stepwise, i), sim_port(other_seed, i));
    }
    assert_true(differ >= fleet->n_ports - 4); /* only pinned-down ports agree */
    assert_int_equal(sim_time_ms(jump), START_MS + 17280LL * 5000);
    for (size_t i = 0; i < fleet->n_ports; i++)
        assert_memory_equal(sim_port(stepwise, i), sim_port(jump, i), sizeof(struct port_state));
    sim_free(stepwise);
    sim_free(jump);
    sim_free(other_seed);
}

/* A port's values do not depend on which other ports exist. */
static void test_sim_ports_are_independent_of_fleet_shape(void **state)
{
    const struct fleet *fleet = *state;
    struct fleet *small = load(FIXTURE("fixtures/profiles/ok/sim.yaml"));
    small->n_devices = 1; /* same profile, first device only */
    small->n_ports = small->devices[0].n_ports;
    struct sim *a = sim_new(fleet, 3, t0_of(fleet));
    struct sim *b = sim_new(small, 3, t0_of(fleet));
    sim_advance_to(a, t0_of(fleet) + 3000);
    sim_advance_to(b, t0_of(fleet) + 3000);
    for (size_t i = 0; i < small->n_ports; i++)
        assert_true(same_state(sim_port(a, i), sim_port(b, i)));
    sim_free(a);
    sim_free(b);
    fleet_free(small);
}

/* Utilization follows the profile: smooth (not white noise), a daily cycle peaking
 * near peak_hour, a mean near `utilization`, and ports that differ from each other. */
static void test_sim_utilization_has_the_profile_shape(void **state)
{
    const struct fleet *fleet = *state;
    const uint64_t t0 = t0_of(fleet);
    struct sim *sim = sim_new(fleet, 21, t0);
    size_t n = 4; /* the eth ports of sw1 */
    uint64_t ticks = 86400000 / fleet->tick_ms;
    double sum_d2 = 0, sum_x = 0, sum_x2 = 0, count = 0;
    double peak_sum = 0, peak_n = 0, trough_sum = 0, trough_n = 0;
    double port_mean[4] = {0};
    double prev[4] = {0};
    for (uint64_t t = 1; t <= ticks; t++) {
        sim_advance_to(sim, t0 + t);
        double hour = (double)(t * fleet->tick_ms) / 3600000.0;
        for (size_t i = 0; i < n; i++) {
            const struct port_state *st = sim_port(sim, i);
            if (!st->link_up) {
                prev[i] = -1;
                continue;
            }
            double u = (double)st->rx_utilization;
            port_mean[i] += u / (double)ticks;
            if (prev[i] >= 0 && t > 1) {
                sum_d2 += (u - prev[i]) * (u - prev[i]);
                sum_x += u;
                sum_x2 += u * u;
                count++;
            }
            prev[i] = u;
            if (hour >= 13 && hour < 15) {
                peak_sum += u;
                peak_n++;
            } else if (hour >= 1 && hour < 3) {
                trough_sum += u;
                trough_n++;
            }
        }
    }
    /* Smoothness: tick-to-tick changes are small next to the overall variation.
     * White noise gives var(u[t] - u[t-1]) / var(u) ~ 2 (less the daily part); an
     * OU process with a 5 min correlation time at 5 s ticks gives ~0.03. */
    double mean = sum_x / count;
    double var = sum_x2 / count - mean * mean;
    double roughness = (sum_d2 / count) / var;
    if (roughness > 0.2)
        fail_msg("var(diff)/var = %.3f: utilization jumps like white noise", roughness);
    /* daily_swing 0.5 around 40%: peak ~0.6, trough ~0.2 */
    double peak = peak_sum / peak_n, trough = trough_sum / trough_n;
    if (!(peak > 1.8 * trough))
        fail_msg("no daily cycle: peak-hour mean %.3f vs night mean %.3f", peak, trough);
    assert_double_near(mean, 0.40, 0.12);
    /* port_spread 0.3: port means differ */
    double lo = 1, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = port_mean[i] < lo ? port_mean[i] : lo;
        hi = port_mean[i] > hi ? port_mean[i] : hi;
    }
    assert_true(hi - lo > 0.02);
    sim_free(sim);
}

static void test_sim_clock_mapping(void **state)
{
    const struct fleet *fleet = *state; /* 5 s ticks, counted from the epoch */
    struct sim *sim = sim_new(fleet, 1, t0_of(fleet));
    assert_int_equal(sim_tick_at(sim, -1), 0);
    assert_int_equal(sim_tick_at(sim, START_MS + 4999), t0_of(fleet));
    assert_int_equal(sim_tick_at(sim, START_MS + 5000), t0_of(fleet) + 1);
    assert_int_equal(sim_time_ms(sim), START_MS);
    sim_advance_to(sim, t0_of(fleet) + 3);
    assert_int_equal(sim_time_ms(sim), START_MS + 15000);
    sim_free(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sim_invariants_over_a_day, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sim_pinned_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sim_down_fraction_matches_mtbf_mttr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sim_deterministic_and_scrape_independent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sim_ports_are_independent_of_fleet_shape, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sim_utilization_has_the_profile_shape, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sim_clock_mapping, setup, teardown),
    };
    return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
