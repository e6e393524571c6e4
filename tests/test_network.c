/* test_network.c - the network acceptance checks over a simulated week of the default
 * profile (docs/SIMULATION.md states the tolerances): both ends of every link agree every
 * tick, devices conserve frames, ECMP balances and fails over, drops happen below 50 %
 * load, ports are rarely at line rate, most links never see an error, reboots reset
 * counters, and values do not depend on when a process started or how it stepped.
 *
 * A week is 604,800 ticks; under the sanitizers and valgrind (SWITCHSIM_SHORT_TESTS set by
 * the Makefile) the same checks run over a simulated hour. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "config/profile.h"
#include "sim/sim.h"
#include "stack.h"

#define WEEK_START_MS 1795305600000LL /* 2026-11-22T00:00:00Z */

static struct fleet *load(const char *path)
{
    const char *paths[] = {path};
    struct fleet *fleet = NULL;
    struct errbuf err;
    if (profile_load(paths, 1, &stack_budget, &fleet, &err) != 0)
        fail_msg("%s", err.msg);
    return fleet;
}

static uint64_t span_ticks(uint64_t week)
{
    return getenv("SWITCHSIM_SHORT_TESTS") ? 3600 : week;
}

static size_t device_of(const struct fleet *f, size_t port)
{
    for (size_t d = 0; d < f->n_devices; d++)
        if (port < f->devices[d].first_port_index + f->devices[d].n_ports)
            return d;
    fail_msg("no port %zu", port);
    abort();
}

static long port_index(const struct fleet *f, const char *dev, const char *port)
{
    for (size_t d = 0; d < f->n_devices; d++)
        if (strcmp(f->devices[d].name, dev) == 0)
            for (size_t p = 0; p < f->devices[d].n_ports; p++)
                if (strcmp(f->devices[d].ports[p].name, port) == 0)
                    return (long)(f->devices[d].first_port_index + p);
    return -1;
}

/* Frames a port's device forwarded to it and did not send: dropped, errored or queued. */
static uint64_t queued_frames(const struct port_state *s)
{
    return s->tx_offered_packets - s->tx_packets - s->tx_drops - s->tx_errors;
}

struct week_totals {
    uint64_t ticks, port_ticks, at_line_rate, drop_ticks, drop_ticks_below_half;
    uint64_t link_checks, conservation_checks, max_device_gap, queued_ticks;
    uint64_t ecmp_minutes, ecmp_worst_permille, failover_ticks;
};

static void test_week_of_the_default_profile(void **state)
{
    (void)state;
    struct fleet *f = load(PROFILES_DIR "/default.yaml");
    assert_true(f->n_links >= 16);
    const uint64_t t0 = (uint64_t)WEEK_START_MS / f->tick_ms, n_ticks = span_ticks(7 * 86400);
    struct sim *sim = sim_new(f, 1, t0);
    size_t np = f->n_ports, nd = f->n_devices;
    struct port_state *prev = calloc(np, sizeof(*prev));
    struct device_state *prev_dev = calloc(nd, sizeof(*prev_dev));
    uint64_t *errors = calloc(np, sizeof(uint64_t)); /* rx+tx errors seen per port */
    size_t *dev_of = calloc(np, sizeof(size_t));
    for (size_t i = 0; i < np; i++)
        dev_of[i] = device_of(f, i);
    /* leaf1's uplinks, for ECMP */
    long up[4] = {port_index(f, "leaf1", "Ethernet49/1"), port_index(f, "leaf1", "Ethernet50/1"),
                  port_index(f, "leaf1", "Ethernet51/1"), port_index(f, "leaf1", "Ethernet52/1")};
    for (int u = 0; u < 4; u++)
        assert_true(up[u] >= 0);
    uint64_t minute_tx[4] = {0}, minute_up_ticks = 0;
    struct week_totals w;
    memset(&w, 0, sizeof(w));
    int64_t *dev_rx = calloc(nd, sizeof(int64_t)), *dev_fwd = calloc(nd, sizeof(int64_t));

    memcpy(prev, sim_ports(sim), np * sizeof(*prev));
    for (size_t d = 0; d < nd; d++)
        prev_dev[d] = *sim_device(sim, d);
    for (uint64_t k = 1; k <= n_ticks; k++) {
        sim_advance_to(sim, t0 + k);
        const struct port_state *cur = sim_ports(sim);
        int *reset = calloc(nd, sizeof(int));
        for (size_t d = 0; d < nd; d++) {
            reset[d] = sim_device(sim, d)->boot_tick != prev_dev[d].boot_tick;
            dev_rx[d] = dev_fwd[d] = 0;
        }
        for (size_t i = 0; i < np; i++) {
            const struct port_state *c = &cur[i], *p = &prev[i];
            if (reset[dev_of[i]])
                continue;
            /* counters never go back within a boot */
            assert_true(c->rx_packets >= p->rx_packets && c->tx_packets >= p->tx_packets);
            assert_true(c->tx_drops >= p->tx_drops && c->rx_errors >= p->rx_errors);
            assert_true(c->tx_offered_packets >= p->tx_offered_packets);
            assert_true(c->buffer_level_bytes <= c->buffer_watermark_bytes ||
                        c->buffer_watermark_bytes == 0);
            if (c->tx_utilization > 1.0F || c->rx_utilization > 1.0F)
                print_message("port %zu k %llu tx %f rx %f\n", i, (unsigned long long)k,
                              (double)c->tx_utilization, (double)c->rx_utilization);
            assert_true(c->tx_utilization <= 1.0F && c->rx_utilization <= 1.0F);
            if (!c->link_up)
                assert_int_equal(c->buffer_level_bytes, 0);
            w.port_ticks++;
            if (c->tx_utilization >= 0.999F)
                w.at_line_rate++;
            uint64_t dropped = c->tx_drops - p->tx_drops;
            if (dropped) {
                w.drop_ticks++;
                if (c->tx_utilization < 0.5F)
                    w.drop_ticks_below_half++;
                /* a tick with drops filled the buffer */
                assert_int_equal(c->buffer_watermark_bytes,
                                 f->devices[dev_of[i]]
                                     .ports[i - f->devices[dev_of[i]].first_port_index]
                                     .spec->buffer_capacity_bytes);
            }
            if (queued_frames(c) > 0)
                w.queued_ticks++;
            errors[i] += (c->rx_errors - p->rx_errors) + (c->tx_errors - p->tx_errors);
            dev_rx[dev_of[i]] += (int64_t)(c->rx_packets - p->rx_packets);
            dev_fwd[dev_of[i]] += (int64_t)(c->tx_offered_packets - p->tx_offered_packets);
        }
        /* both ends of every link: down together, tx of one = rx of the other */
        for (size_t l = 0; l < f->n_links; l++) {
            size_t a = f->links[l].a, b = f->links[l].b;
            assert_int_equal(cur[a].link_up, cur[b].link_up);
            if (reset[dev_of[a]] || reset[dev_of[b]])
                continue;
            assert_int_equal(cur[a].tx_packets - prev[a].tx_packets,
                             cur[b].rx_packets - prev[b].rx_packets);
            assert_int_equal(cur[b].tx_packets - prev[b].tx_packets,
                             cur[a].rx_packets - prev[a].rx_packets);
            assert_int_equal(cur[a].tx_bytes - prev[a].tx_bytes,
                             cur[b].rx_bytes - prev[b].rx_bytes);
            if (!prev[a].link_up) /* down during the tick that ended at k: nothing moved */
                assert_int_equal(cur[a].tx_packets, prev[a].tx_packets);
            w.link_checks++;
        }
        /* every device forwards what it receives, to within a frame per port (rounding) */
        for (size_t d = 0; d < nd; d++) {
            if (reset[d])
                continue;
            int64_t gap = dev_rx[d] - dev_fwd[d];
            uint64_t abs_gap = (uint64_t)(gap < 0 ? -gap : gap);
            assert_true(abs_gap <= f->devices[d].n_ports);
            if (abs_gap > w.max_device_gap)
                w.max_device_gap = abs_gap;
            w.conservation_checks++;
        }
        /* ECMP: per minute with all four uplinks up, each within a few % of their mean */
        int all_up = 1, n_up = 0;
        for (int u = 0; u < 4; u++) {
            all_up &= cur[up[u]].link_up;
            n_up += cur[up[u]].link_up;
        }
        if (n_up == 3 && !reset[dev_of[up[0]]]) {
            w.failover_ticks++;
            for (int u = 0; u < 4; u++)
                if (!prev[up[u]].link_up)
                    assert_int_equal(cur[up[u]].tx_packets, prev[up[u]].tx_packets);
        }
        if (all_up && !reset[dev_of[up[0]]]) {
            for (int u = 0; u < 4; u++)
                minute_tx[u] += cur[up[u]].tx_bytes - prev[up[u]].tx_bytes;
            if (++minute_up_ticks == 60) {
                uint64_t sum = minute_tx[0] + minute_tx[1] + minute_tx[2] + minute_tx[3];
                for (int u = 0; u < 4 && sum; u++) {
                    double share = 4.0 * (double)minute_tx[u] / (double)sum;
                    uint64_t permille = (uint64_t)(1000.0 * (share > 1 ? share - 1 : 1 - share));
                    if (permille > w.ecmp_worst_permille)
                        w.ecmp_worst_permille = permille;
                }
                w.ecmp_minutes++;
                memset(minute_tx, 0, sizeof(minute_tx));
                minute_up_ticks = 0;
            }
        } else {
            memset(minute_tx, 0, sizeof(minute_tx));
            minute_up_ticks = 0;
        }
        free(reset);
        memcpy(prev, cur, np * sizeof(*prev));
        for (size_t d = 0; d < nd; d++)
            prev_dev[d] = *sim_device(sim, d);
        w.ticks++;
    }
    print_message("week: %llu port-ticks, %llu at line rate, %llu drop ticks (%llu below 50%%), "
                  "%llu queued ticks, max device gap %llu frames, ECMP worst %.1f%% over %llu "
                  "minutes, %llu failover ticks\n",
                  (unsigned long long)w.port_ticks, (unsigned long long)w.at_line_rate,
                  (unsigned long long)w.drop_ticks, (unsigned long long)w.drop_ticks_below_half,
                  (unsigned long long)w.queued_ticks, (unsigned long long)w.max_device_gap,
                  (double)w.ecmp_worst_permille / 10.0, (unsigned long long)w.ecmp_minutes,
                  (unsigned long long)w.failover_ticks);
    /* the checks above did not hold vacuously */
    assert_true(w.link_checks > 0 && w.conservation_checks > 0);
    assert_true(w.drop_ticks_below_half > 0);          /* drops at low average load */
    assert_true(w.at_line_rate * 100 <= w.port_ticks); /* at most 1 % at line rate */
    assert_true(w.queued_ticks > 0);
    assert_true(w.ecmp_minutes > 0);
    assert_true(w.ecmp_worst_permille <= 50); /* balanced within 5 % per minute */
    /* links: every fabric link and every host-facing cable; at least half error-free */
    size_t links = 0, clean = 0;
    for (size_t i = 0; i < np; i++) {
        if (!f->devices[dev_of[i]]
                 .ports[i - f->devices[dev_of[i]].first_port_index]
                 .spec->admin_down &&
            sim_peer(sim, i) < (long)i) { /* count each fabric link once */
            links++;
            uint64_t e = errors[i] + (sim_peer(sim, i) >= 0 ? errors[sim_peer(sim, i)] : 0);
            clean += e == 0;
        }
    }
    print_message("links: %zu, error-free: %zu\n", links, clean);
    assert_true(clean * 2 >= links);
    if (!getenv("SWITCHSIM_SHORT_TESTS")) {
        assert_true(w.failover_ticks > 0); /* a week of the default profile has uplink failures */
        assert_true(clean < links);        /* and some bad links */
    }
    free(dev_rx);
    free(dev_fwd);
    free(dev_of);
    free(errors);
    free(prev_dev);
    free(prev);
    sim_free(sim);
    fleet_free(f);
}

/* Processes started at different times, and stepping differently, serve identical values. */
static void test_values_do_not_depend_on_start_or_step(void **state)
{
    (void)state;
    struct fleet *f = load(PROFILES_DIR "/default.yaml");
    const uint64_t t0 = (uint64_t)WEEK_START_MS / f->tick_ms;
    const uint64_t n = span_ticks(6 * 3600);
    struct sim *early = sim_new(f, 1, t0);              /* steps one tick at a time */
    struct sim *late = sim_new(f, 1, t0 + n / 2);       /* starts half-way */
    struct sim *jumper = sim_new(f, 1, t0 - 86400 * 3); /* jumps in big steps */
    size_t bytes = f->n_ports * sizeof(struct port_state), compared = 0;
    for (uint64_t k = 0; k <= n; k++) {
        sim_advance_to(early, t0 + k);
        if (k >= n / 2) {
            sim_advance_to(late, t0 + k);
            assert_memory_equal(sim_ports(early), sim_ports(late), bytes);
            compared++;
        }
        if (k % 997 == 0) {
            sim_advance_to(jumper, t0 + k);
            assert_memory_equal(sim_ports(early), sim_ports(jumper), bytes);
            for (size_t d = 0; d < f->n_devices; d++)
                assert_memory_equal(sim_device(early, d), sim_device(jumper, d),
                                    sizeof(struct device_state));
        }
    }
    /* and backwards: a seek to an earlier tick gives what the first pass gave */
    struct port_state *snap = malloc(bytes);
    sim_advance_to(early, t0 + n / 3);
    memcpy(snap, sim_ports(early), bytes);
    sim_advance_to(late, t0 + n / 3);
    assert_memory_equal(snap, sim_ports(late), bytes);
    assert_true(compared > 0);
    free(snap);
    sim_free(early);
    sim_free(late);
    sim_free(jumper);
    fleet_free(f);
}

/* Reboots: every port down while booting, counters from zero, uptime from the reboot. */
static void test_reboots_reset_counters_and_uptime(void **state)
{
    (void)state;
    struct fleet *f = load(FIXTURE("fixtures/profiles/ok/reboots.yaml"));
    const uint64_t t0 = (uint64_t)WEEK_START_MS / f->tick_ms, n = span_ticks(3 * 86400);
    struct sim *sim = sim_new(f, 3, t0);
    uint64_t boot = sim_device(sim, 0)->boot_tick, reboots = 0;
    uint64_t boot_ticks = (f->devices[0].boot_duration_ms + f->tick_ms - 1) / f->tick_ms;
    uint64_t before = sim_port(sim, 0)->rx_packets;
    for (uint64_t k = 1; k <= n; k++) {
        sim_advance_to(sim, t0 + k);
        const struct device_state *ds = sim_device(sim, 0);
        assert_true(ds->boot_tick <= t0 + k);
        if (ds->boot_tick != boot) {
            assert_int_equal(ds->boot_tick, t0 + k); /* seen at the reboot's own tick */
            assert_true(ds->booting);
            for (size_t i = 0; i < f->devices[0].n_ports; i++) {
                assert_false(sim_port(sim, i)->link_up);
                assert_int_equal(sim_port(sim, i)->rx_packets, 0);
                assert_int_equal(sim_port(sim, i)->tx_packets, 0);
                assert_int_equal(sim_port(sim, i)->carrier_transitions, 0);
            }
            assert_true(before > 0);
            boot = ds->boot_tick;
            reboots++;
        }
        if (ds->booting)
            assert_true(t0 + k < ds->boot_tick + boot_ticks);
        else
            assert_true(t0 + k >= ds->boot_tick + boot_ticks);
        before = sim_port(sim, 0)->rx_packets;
    }
    print_message("reboots: %llu\n", (unsigned long long)reboots);
    if (!getenv("SWITCHSIM_SHORT_TESTS"))
        assert_true(reboots >= 2);
    sim_free(sim);
    fleet_free(f);
}

/* Admin-down ports never carry traffic, never count transitions and are not "failures". */
static void test_admin_down_is_not_a_failure(void **state)
{
    (void)state;
    struct fleet *f = load(PROFILES_DIR "/default.yaml");
    long p = port_index(f, "leaf1", "Ethernet48");
    assert_true(p >= 0);
    const uint64_t t0 = (uint64_t)WEEK_START_MS / f->tick_ms;
    struct sim *sim = sim_new(f, 1, t0);
    for (uint64_t k = 0; k < 3 * 86400; k += 601) {
        sim_advance_to(sim, t0 + k);
        const struct port_state *s = sim_port(sim, (size_t)p);
        assert_false(s->admin_up);
        assert_false(s->link_up);
        assert_int_equal(s->rx_packets + s->tx_packets + s->carrier_transitions, 0);
    }
    sim_free(sim);
    fleet_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_week_of_the_default_profile),
        cmocka_unit_test(test_values_do_not_depend_on_start_or_step),
        cmocka_unit_test(test_reboots_reset_counters_and_uptime),
        cmocka_unit_test(test_admin_down_is_not_a_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
