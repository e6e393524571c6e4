/* test_faults.c - faults (model/fault.h) and what they do to the simulation, the JSON
 * reader the fault API uses, and the API itself (web/api.h) against a live exporter.
 *
 * The fleet is tests/e2e/e2e.yaml: a small fabric whose links never fail and whose
 * devices do not reboot in the span, so every change a test sees is the fault's. Each
 * effect is compared with a simulation of the same profile and seed without the fault. */
#include "testutil.h"

#include "base/json.h"
#include "model/fault.h"
#include "sim/sim.h"
#include "stack.h"
#include "web/api.h"

#define T0_MS 1795305600000LL /* 2026-11-22T00:00:00Z */
#define T0    ((uint64_t)(T0_MS / 1000))
#define SEED  42

static struct fleet *load_e2e(void)
{
    const char *paths[] = {FIXTURE("e2e/e2e.yaml")};
    struct fleet *fleet = NULL;
    struct errbuf err;
    if (profile_load(paths, 1, &stack_budget, &fleet, &err) != 0)
        fail_msg("%s", err.msg);
    return fleet;
}

static long port_of(const struct fleet *f, const char *dev, const char *port)
{
    for (size_t d = 0; d < f->n_devices; d++)
        if (strcmp(f->devices[d].name, dev) == 0)
            for (size_t p = 0; p < f->devices[d].n_ports; p++)
                if (strcmp(f->devices[d].ports[p].name, port) == 0)
                    return (long)(f->devices[d].first_port_index + p);
    fail_msg("no port %s:%s", dev, port);
    return -1;
}

/* A fault of `kind` on target from tick start for duration ticks (UINT64_MAX: open). */
static struct fault make_fault(const struct fleet *f, enum fault_kind kind, const char *target,
                               uint64_t start, uint64_t duration)
{
    struct fault x;
    memset(&x, 0, sizeof(x));
    x.kind = kind;
    x.source = "test";
    struct errbuf err;
    if (fault_resolve_target(&x, f, target, &err) < 0)
        fail_msg("%s", err.msg);
    x.start_tick = start;
    x.duration_ticks = duration;
    if (fault_finish(&x, f->tick_ms, &err) < 0)
        fail_msg("%s", err.msg);
    return x;
}

static struct sim *faulted(const struct fleet *f, const struct fault *faults, size_t n,
                           uint64_t tick)
{
    struct fault_set set;
    fault_set_init(&set);
    struct errbuf err;
    for (size_t i = 0; i < n; i++)
        if (fault_set_add(&set, &faults[i], NULL, &err) < 0)
            fail_msg("%s", err.msg);
    struct sim *sim = sim_new_faulted(f, SEED, &set, tick);
    fault_set_cleanup(&set);
    return sim;
}

/* ---- time patterns ------------------------------------------------------------------ */

static void test_patterns(void **state)
{
    (void)state;
    struct fault f;
    memset(&f, 0, sizeof(f));
    f.start_tick = 100;
    f.duration_ticks = 10;
    /* once */
    assert_false(fault_active(&f, 99));
    assert_true(fault_active(&f, 100));
    assert_true(fault_active(&f, 109));
    assert_false(fault_active(&f, 110));
    assert_int_equal(fault_next_change(&f, 0), 100);
    assert_int_equal(fault_next_change(&f, 100), 110);
    assert_int_equal(fault_next_change(&f, 110), UINT64_MAX);
    assert_int_equal(fault_active_ticks(&f, 0, 1000), 10);
    /* every 60 ticks, 3 times */
    f.period_ticks = 60;
    f.count = 3;
    assert_true(fault_active(&f, 160));
    assert_false(fault_active(&f, 170));
    assert_true(fault_active(&f, 229));
    assert_false(fault_active(&f, 280));
    assert_int_equal(fault_next_change(&f, 110), 160);
    assert_int_equal(fault_next_start(&f, 160), 220);
    assert_int_equal(fault_next_start(&f, 220), UINT64_MAX);
    assert_int_equal(fault_active_ticks(&f, 0, 10000), 30);
    assert_int_equal(fault_end(&f), 230);
    /* a flap: interval 10, 4 flaps: down 5 of every 10 ticks for 40 ticks */
    memset(&f, 0, sizeof(f));
    f.kind = FAULT_FLAP;
    f.param[FAULT_P_INTERVAL_MS] = 10000;
    f.param[FAULT_P_FLAPS] = 4;
    f.start_tick = 1000;
    f.duration_ticks = UINT64_MAX;
    struct errbuf err;
    assert_int_equal(fault_finish(&f, 1000, &err), 0);
    assert_int_equal(f.duration_ticks, 40);
    assert_int_equal(fault_active_ticks(&f, 0, 5000), 20);
    uint64_t changes = 0;
    for (uint64_t t = fault_next_change(&f, 0); t != UINT64_MAX; t = fault_next_change(&f, t))
        changes++;
    assert_int_equal(changes, 8); /* 4 times down, 4 times up */
    /* a repeat shorter than its duration is refused */
    memset(&f, 0, sizeof(f));
    f.kind = FAULT_LINK_CUT;
    f.duration_ticks = 100;
    f.period_ticks = 50;
    assert_int_equal(fault_finish(&f, 1000, &err), -1);
    assert_non_null(strstr(err.msg, "at most its period"));
}

static void test_targets_and_params(void **state)
{
    (void)state;
    struct fleet *fl = load_e2e();
    struct fault f;
    struct errbuf err;
    memset(&f, 0, sizeof(f));
    f.kind = FAULT_REBOOT;
    assert_int_equal(fault_resolve_target(&f, fl, "leaf1:Ethernet1", &err), -1);
    assert_non_null(strstr(err.msg, "targets a device"));
    assert_int_equal(fault_resolve_target(&f, fl, "leaf9", &err), -1);
    assert_string_equal(err.msg, "no device \"leaf9\"");
    f.kind = FAULT_CONGESTION;
    assert_int_equal(fault_resolve_target(&f, fl, "leaf1:Uplink1", &err), -1);
    assert_non_null(strstr(err.msg, "host-facing"));
    assert_int_equal(fault_resolve_target(&f, fl, "leaf1:Ethernet9", &err), -1);
    assert_string_equal(err.msg, "device leaf1 has no port \"Ethernet9\"");
    assert_int_equal(fault_resolve_target(&f, fl, "leaf1:Ethernet1", &err), 0);
    assert_int_equal(fault_set_param(&f, "factor", 1.0, &err), -1);
    assert_non_null(strstr(err.msg, "from 1.5 to 1000"));
    assert_int_equal(fault_set_param(&f, "factor", NAN, &err), -1);
    assert_int_equal(fault_set_param(&f, "rate", 5, &err), -1);
    assert_non_null(strstr(err.msg, "takes the parameter factor"));
    assert_int_equal(fault_set_param(&f, "factor", 8, &err), 0);
    assert_double_near(f.param[FAULT_P_FACTOR], 8, 0);
    fleet_free(fl);
}

/* ---- effects -------------------------------------------------------------------------- */

/* Every port but the `skip`ped ones is exactly as in `base`. */
static void assert_others_equal(const struct fleet *fl, const struct sim *a, const struct sim *b,
                                const long *skip, size_t n_skip)
{
    for (size_t i = 0; i < fl->n_ports; i++) {
        int skipped = 0;
        for (size_t k = 0; k < n_skip; k++)
            skipped |= skip[k] == (long)i;
        if (!skipped && memcmp(sim_port(a, i), sim_port(b, i), sizeof(struct port_state)) != 0)
            fail_msg("port %zu differs", i);
    }
}

static void test_link_cut_downs_both_ends(void **state)
{
    (void)state;
    struct fleet *fl = load_e2e();
    long a = port_of(fl, "leaf1", "Uplink1"), b;
    struct fault f = make_fault(fl, FAULT_LINK_CUT, "leaf1:Uplink1", T0 + 10, 20);
    struct sim *base = sim_new(fl, SEED, T0), *cut = faulted(fl, &f, 1, T0);
    b = sim_peer(cut, (size_t)a);
    assert_true(b >= 0);
    long edge = port_of(fl, "leaf2", "Ethernet2");
    for (uint64_t t = T0; t <= T0 + 40; t++) {
        sim_advance_to(base, t);
        sim_advance_to(cut, t);
        int in_fault = t >= T0 + 10 && t < T0 + 30;
        assert_int_equal(sim_port(cut, (size_t)a)->link_up, !in_fault);
        assert_int_equal(sim_port(cut, (size_t)b)->link_up, !in_fault);
        assert_true(sim_port(base, (size_t)a)->link_up);
        /* the random processes of other ports are untouched (their traffic reroutes) */
        assert_int_equal(sim_port(cut, (size_t)edge)->rx_errors,
                         sim_port(base, (size_t)edge)->rx_errors);
        assert_int_equal(sim_port(cut, (size_t)edge)->link_up, 1);
    }
    assert_int_equal(sim_port(cut, (size_t)a)->carrier_transitions,
                     sim_port(base, (size_t)a)->carrier_transitions + 2);
    assert_int_equal(sim_port(cut, (size_t)b)->carrier_transitions,
                     sim_port(base, (size_t)b)->carrier_transitions + 2);
    /* during the cut no frame crossed: the counters froze on both ends */
    struct sim *mid = faulted(fl, &f, 1, T0 + 11), *late = faulted(fl, &f, 1, T0 + 29);
    assert_int_equal(sim_port(mid, (size_t)a)->tx_packets, sim_port(late, (size_t)a)->tx_packets);
    assert_int_equal(sim_port(mid, (size_t)b)->rx_packets, sim_port(late, (size_t)b)->rx_packets);
    /* and the other uplink carried the traffic */
    long other = port_of(fl, "leaf1", "Uplink2");
    assert_true(sim_port(late, (size_t)other)->tx_utilization >
                1.5F * sim_port(base, (size_t)other)->tx_utilization);
    sim_free(mid);
    sim_free(late);
    sim_free(base);
    sim_free(cut);
    fleet_free(fl);
}

static void test_admin_down_and_flap(void **state)
{
    (void)state;
    struct fleet *fl = load_e2e();
    long p = port_of(fl, "leaf2", "Uplink2");
    struct fault f[2] = {make_fault(fl, FAULT_ADMIN_DOWN, "leaf2:Uplink2", T0 + 5, 10),
                         make_fault(fl, FAULT_FLAP, "leaf1:Ethernet3", T0 + 5, UINT64_MAX)};
    long flapper = port_of(fl, "leaf1", "Ethernet3");
    struct sim *sim = faulted(fl, f, 2, T0), *base = sim_new(fl, SEED, T0);
    long peer = sim_peer(sim, (size_t)p);
    uint32_t flaps0 = sim_port(sim, (size_t)flapper)->carrier_transitions;
    for (uint64_t t = T0; t < T0 + 200; t++) {
        sim_advance_to(sim, t);
        int admin = t >= T0 + 5 && t < T0 + 15;
        assert_int_equal(sim_port(sim, (size_t)p)->admin_up, !admin);
        assert_int_equal(sim_port(sim, (size_t)p)->link_up, !admin);
        assert_int_equal(sim_port(sim, (size_t)peer)->link_up, !admin);
        assert_int_equal(sim_port(sim, (size_t)peer)->admin_up, 1); /* the far end is not shut */
        /* the default flap: every 20 s, down for 10 s, 5 times */
        uint64_t o = t - (T0 + 5);
        int down = t >= T0 + 5 && o < 100 && o % 20 < 10;
        assert_int_equal(sim_port(sim, (size_t)flapper)->link_up, !down);
    }
    assert_int_equal(sim_port(sim, (size_t)flapper)->carrier_transitions, flaps0 + 10);
    sim_advance_to(base, T0 + 199);
    assert_int_equal(sim_port(base, (size_t)flapper)->carrier_transitions, flaps0);
    sim_free(sim);
    sim_free(base);
    fleet_free(fl);
}

static void test_reboot_resets_counters(void **state)
{
    (void)state;
    struct fleet *fl = load_e2e();
    size_t d = 1; /* leaf2 */
    assert_string_equal(fl->devices[d].name, "leaf2");
    struct fault f = make_fault(fl, FAULT_REBOOT, "leaf2", T0 + 30, 1);
    struct sim *sim = faulted(fl, &f, 1, T0 + 29);
    size_t p0 = fl->devices[d].first_port_index;
    uint64_t before = sim_port(sim, p0)->rx_packets;
    uint64_t boot_before = sim_device(sim, d)->boot_tick;
    assert_true(before > 0);
    assert_true(boot_before < T0 + 30);
    sim_advance_to(sim, T0 + 30);
    assert_int_equal(sim_device(sim, d)->boot_tick, T0 + 30);
    assert_true(sim_device(sim, d)->booting);
    for (size_t k = 0; k < fl->devices[d].n_ports; k++) {
        assert_int_equal(sim_port(sim, p0 + k)->link_up, 0);
        assert_int_equal(sim_port(sim, p0 + k)->rx_packets, 0);
        /* the far ends of its links are down too, without a reboot of their own */
        long q = sim_peer(sim, p0 + k);
        if (q >= 0)
            assert_int_equal(sim_port(sim, (size_t)q)->link_up, 0);
    }
    uint64_t boot_ticks = (fl->devices[d].boot_duration_ms + 999) / 1000;
    sim_advance_to(sim, T0 + 30 + boot_ticks + 5);
    assert_false(sim_device(sim, d)->booting);
    assert_int_equal(sim_port(sim, p0)->link_up, 1);
    assert_true(sim_port(sim, p0)->rx_packets > 0 && sim_port(sim, p0)->rx_packets < before);
    /* other devices did not reboot */
    assert_true(sim_device(sim, 0)->boot_tick < T0);
    sim_free(sim);
    fleet_free(fl);
}

static void test_congestion_drops_at_the_port_only(void **state)
{
    (void)state;
    struct fleet *fl = load_e2e();
    long p = port_of(fl, "leaf1", "Ethernet2");
    struct fault f = make_fault(fl, FAULT_CONGESTION, "leaf1:Ethernet2", T0 + 5, 30);
    f.param[FAULT_P_FACTOR] = 4;
    uint64_t cap = fl->devices[0].ports[1].spec->buffer_capacity_bytes;
    struct sim *sim = faulted(fl, &f, 1, T0), *base = sim_new(fl, SEED, T0);
    struct port_state prev = *sim_port(sim, (size_t)p);
    for (uint64_t t = T0 + 1; t < T0 + 50; t++) {
        sim_advance_to(sim, t);
        sim_advance_to(base, t);
        const struct port_state *c = sim_port(sim, (size_t)p), *b = sim_port(base, (size_t)p);
        uint64_t offered = c->tx_offered_packets - prev.tx_offered_packets;
        uint64_t dropped = c->tx_drops - prev.tx_drops;
        /* the device forwards the same; the port drains a quarter of it */
        assert_int_equal(c->tx_offered_packets, b->tx_offered_packets);
        if (t > T0 + 5 && t < T0 + 35) {
            assert_true(dropped >= offered * 3 / 4 - 2 && dropped <= offered * 3 / 4 + 2);
            assert_int_equal(c->buffer_watermark_bytes, cap);
            assert_true(c->tx_utilization < 0.3F * b->tx_utilization + 0.01F);
        }
        /* per port: offered = sent + dropped + errored + queued, exactly */
        assert_true(c->tx_offered_packets >= c->tx_packets + c->tx_drops + c->tx_errors);
        assert_others_equal(fl, sim, base, &p, 1);
        prev = *c;
    }
    /* after the fault, drops stop growing (the rare events of the port aside) */
    uint64_t drops_after = sim_port(sim, (size_t)p)->tx_drops;
    sim_advance_to(sim, T0 + 60);
    sim_advance_to(base, T0 + 60);
    assert_int_equal(sim_port(sim, (size_t)p)->tx_drops - drops_after,
                     sim_port(base, (size_t)p)->tx_drops - sim_port(base, (size_t)p)->tx_drops);
    sim_free(sim);
    sim_free(base);
    fleet_free(fl);
}

static void test_error_burst_counts_exactly(void **state)
{
    (void)state;
    struct fleet *fl = load_e2e();
    long p = port_of(fl, "spine1", "Ethernet1/1");
    struct fault f = make_fault(fl, FAULT_ERROR_BURST, "spine1:Ethernet1/1", T0 + 3, 7);
    f.param[FAULT_P_RATE] = 250;
    struct sim *sim = faulted(fl, &f, 1, T0), *base = sim_new(fl, SEED, T0);
    for (uint64_t t = T0; t < T0 + 20; t++) {
        sim_advance_to(sim, t);
        sim_advance_to(base, t);
        uint64_t active = t <= T0 + 3 ? 0 : (t >= T0 + 10 ? 7 : t - (T0 + 3));
        assert_int_equal(sim_port(sim, (size_t)p)->rx_errors,
                         sim_port(base, (size_t)p)->rx_errors + 250 * active);
        /* errored frames are not received frames */
        assert_int_equal(sim_port(sim, (size_t)p)->rx_packets,
                         sim_port(base, (size_t)p)->rx_packets);
        assert_others_equal(fl, sim, base, &p, 1);
    }
    sim_free(sim);
    sim_free(base);
    fleet_free(fl);
}

static void test_broadcast_storm_floods_the_leaf(void **state)
{
    (void)state;
    struct fleet *fl = load_e2e();
    long src = port_of(fl, "leaf1", "Ethernet1");
    struct fault f = make_fault(fl, FAULT_BROADCAST_STORM, "leaf1:Ethernet1", T0 + 2, 5);
    f.param[FAULT_P_RATE] = 1000;
    struct sim *sim = faulted(fl, &f, 1, T0), *base = sim_new(fl, SEED, T0);
    const struct device *leaf1 = &fl->devices[0];
    for (uint64_t t = T0; t < T0 + 12; t++) {
        sim_advance_to(sim, t);
        sim_advance_to(base, t);
        uint64_t n = 1000 * (t <= T0 + 2 ? 0 : (t >= T0 + 7 ? 5 : t - (T0 + 2)));
        for (size_t i = 0; i < fl->n_ports; i++) {
            const struct port_state *c = sim_port(sim, i), *b = sim_port(base, i);
            int on_leaf1 =
                i >= leaf1->first_port_index && i < leaf1->first_port_index + leaf1->n_ports;
            int host = sim_peer(sim, i) < 0;
            if ((long)i == src) {
                assert_int_equal(c->rx_packets - b->rx_packets, n);
                assert_int_equal(c->rx_broadcast_packets - b->rx_broadcast_packets, n);
                assert_int_equal(c->rx_bytes - b->rx_bytes, 64 * n);
                assert_int_equal(c->tx_packets, b->tx_packets);
            } else if (on_leaf1 && host && c->link_up) {
                assert_int_equal(c->tx_packets - b->tx_packets, n);
                assert_int_equal(c->tx_broadcast_packets - b->tx_broadcast_packets, n);
                assert_int_equal(c->rx_packets, b->rx_packets);
            } else { /* other devices, and the fabric links: untouched */
                assert_memory_equal(c, b, sizeof(*c));
            }
        }
    }
    sim_free(sim);
    sim_free(base);
    fleet_free(fl);
}

/* Values are a function of (profile, seed, faults, tick): how a process got there does not
 * matter. */
static void test_faulted_values_do_not_depend_on_the_path(void **state)
{
    (void)state;
    struct fleet *fl = load_e2e();
    struct fault f[4] = {make_fault(fl, FAULT_LINK_CUT, "leaf1:Uplink1", T0 + 10, 100),
                         make_fault(fl, FAULT_REBOOT, "leaf3", T0 + 50, 1),
                         make_fault(fl, FAULT_CONGESTION, "leaf2:Ethernet1", T0 + 20, 200),
                         make_fault(fl, FAULT_FLAP, "leaf2:Uplink1", T0 + 5, UINT64_MAX)};
    struct sim *stepped = faulted(fl, f, 4, T0), *direct = faulted(fl, f, 4, T0 + 300);
    for (uint64_t t = T0; t <= T0 + 300; t += 7)
        sim_advance_to(stepped, t);
    sim_advance_to(stepped, T0 + 300);
    assert_memory_equal(sim_ports(stepped), sim_ports(direct),
                        fl->n_ports * sizeof(struct port_state));
    /* a fault set added at the running tick (the API's way) gives the same as one known
     * from the start */
    struct sim *late = sim_new(fl, SEED, T0 + 4);
    struct fault_set set;
    fault_set_init(&set);
    struct errbuf err;
    for (int i = 0; i < 4; i++)
        assert_int_equal(fault_set_add(&set, &f[i], NULL, &err), 0);
    sim_set_faults(late, &set);
    sim_advance_to(late, T0 + 300);
    assert_memory_equal(sim_ports(late), sim_ports(direct),
                        fl->n_ports * sizeof(struct port_state));
    fault_set_cleanup(&set);
    sim_free(late);
    sim_free(stepped);
    sim_free(direct);
    fleet_free(fl);
}

/* ---- scenarios ------------------------------------------------------------------------ */

static struct world *scenario_world(uint64_t load_tick)
{
    const char *paths[] = {FIXTURE("fixtures/faults/scenario.yaml")};
    struct fleet *fleet = NULL;
    struct errbuf err;
    if (profile_load(paths, 1, &stack_budget, &fleet, &err) != 0)
        fail_msg("%s", err.msg);
    struct world_params params = {SEED, T0_MS, {"9.9.9", "abc"}, {0, 1}};
    return world_new_at(fleet, &params, load_tick);
}

static void test_scenario_timing(void **state)
{
    (void)state;
    /* two processes that loaded the profile 17 minutes apart */
    struct world *a = scenario_world(T0), *b = scenario_world(T0 + 1020);
    const struct fleet *fl = a->fleet;
    long cut = port_of(fl, "leaf1", "Uplink1"), admin = port_of(fl, "leaf2", "Ethernet1");
    long optic = port_of(fl, "leaf1", "Ethernet2");
    assert_int_equal(a->scenario.n, 5); /* the optic is two faults: errors, then flaps */
    /* epoch-anchored: both agree; down 5-7 minutes past every hour */
    static const uint64_t at[] = {T0 + 299, T0 + 300, T0 + 419, T0 + 420, T0 + 3900, T0 + 3960};
    static const int down[] = {0, 1, 1, 0, 1, 1};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        sim_advance_to(a->sim, at[i] < T0 + 1020 ? T0 + 1020 : at[i]);
        sim_advance_to(b->sim, at[i] < T0 + 1020 ? T0 + 1020 : at[i]);
        if (at[i] < T0 + 1020) { /* before b loaded: check a alone */
            struct world *c = scenario_world(at[i]);
            assert_int_equal(sim_port(c->sim, (size_t)cut)->link_up, !down[i]);
            world_release(c);
            continue;
        }
        assert_int_equal(sim_port(a->sim, (size_t)cut)->link_up, !down[i]);
        assert_int_equal(sim_port(b->sim, (size_t)cut)->link_up, !down[i]);
    }
    /* relative: from each process's own load */
    struct world *c = scenario_world(T0 + 100);
    for (uint64_t t = T0 + 100; t < T0 + 150; t++) {
        sim_advance_to(c->sim, t);
        int shut = t >= T0 + 130 && t < T0 + 140;
        assert_int_equal(sim_port(c->sim, (size_t)admin)->admin_up, !shut);
    }
    /* absolute: leaf2 reboots at 00:10:00Z in every process */
    sim_advance_to(c->sim, T0 + 700);
    assert_int_equal(sim_device(c->sim, 1)->boot_tick, T0 + 600);
    /* the optic: errors for 3 minutes from :30, then flaps every 20 s */
    sim_advance_to(c->sim, T0 + 1800);
    uint64_t e0 = sim_port(c->sim, (size_t)optic)->rx_errors;
    sim_advance_to(c->sim, T0 + 1980);
    assert_int_equal(sim_port(c->sim, (size_t)optic)->rx_errors - e0, 200 * 180);
    assert_int_equal(sim_port(c->sim, (size_t)optic)->link_up, 0);
    sim_advance_to(c->sim, T0 + 1990);
    assert_int_equal(sim_port(c->sim, (size_t)optic)->link_up, 1);
    /* the exposition shows what is active, with the event's name */
    struct stack s;
    stack_init(&s, FIXTURE("fixtures/faults/scenario.yaml"), 0, SEED, T0_MS + 301000);
    struct errbuf err;
    struct body *body = stack_scrape(&s, T0_MS + 301000, EXPO_TEXT_004, BODY_IDENTITY, &err);
    assert_non_null(strstr(body->data, "switchsim_fault_active{id=\"1\",kind=\"link_cut\","
                                       "target=\"leaf1:Uplink1\",source=\"hourly cut\"} 1"));
    body_release(body);
    /* a scenario event is not the API's to delete */
    assert_int_equal(exporter_end_fault(s.exporter, 1), -2);
    stack_cleanup(&s);
    world_release(a);
    world_release(b);
    world_release(c);
}

/* ---- JSON ----------------------------------------------------------------------------- */

static void test_json_reader(void **state)
{
    (void)state;
    struct json_value *v = NULL;
    struct errbuf err;
    const char *ok = " {\"kind\": \"flap\", \"n\": -1.5e2, \"a\": [true, false, null, {}],"
                     " \"s\": \"\\u00e9\\ud83d\\ude00\\n\"} ";
    assert_int_equal(json_parse(ok, strlen(ok), &v, &err), 0);
    assert_string_equal(json_get(v, "kind")->string, "flap");
    assert_double_near(json_get(v, "n")->number, -150, 0);
    assert_int_equal(json_get(v, "a")->n, 4);
    assert_string_equal(json_get(v, "s")->string, "\xc3\xa9\xf0\x9f\x98\x80\n");
    assert_null(json_get(v, "missing"));
    json_free(v);
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"", "line 1 column 1: expected a value, found the end"},
        {"{\"a\":1,}", "line 1 column 8: expected a string key"},
        {"{\"a\":1 \"b\":2}", "line 1 column 8: expected ',' or '}'"},
        {"[1,2", "line 1 column 5: expected ',' or ']'"},
        {"{\"a\":1,\"a\":2}", "line 1 column 8: duplicate key"},
        {"\"\\u0000\"", "line 1 column 8: \\u0000 is not allowed in a string"},
        {"\"\\ud800\"", "line 1 column 8: lone surrogate in a string"},
        {"\"\xff\"", "line 1 column 2: invalid UTF-8 in a string"},
        {"01", "line 1 column 2: text after the value"},
        {"1e999", "line 1 column 1: number out of range"},
        {"{\n\"a\": tru}", "line 2 column 6: not a JSON value"},
        {"[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]", "line 1 column 17: nested too deeply"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (json_parse(bad[i].text, strlen(bad[i].text), &v, &err) != -1)
            fail_msg("accepted %s", bad[i].text);
        assert_null(v);
        assert_string_equal(err.msg, bad[i].why);
    }
}

/* ---- the API against a live exporter -------------------------------------------------- */

struct reply_check {
    unsigned status;
    const char *contains;
};

static void api_call(struct exporter *e, const char *method, const char *path, const char *body,
                     struct reply_check want)
{
    struct api_reply out;
    api_handle(e, method, path, body, body ? strlen(body) : 0, &out);
    if (out.status != want.status || !strstr(out.body, want.contains))
        fail_msg("%s %s %s: %u %s, wanted %u and \"%s\"", method, path, body ? body : "",
                 out.status, out.body, want.status, want.contains);
    free(out.body);
}

static void test_api(void **state)
{
    (void)state;
    struct stack s;
    stack_init(&s, FIXTURE("e2e/e2e.yaml"), 0, SEED, T0_MS);
    struct exporter *e = s.exporter;
    api_call(e, "GET", "/api/v1/targets", NULL, (struct reply_check){200, "\"leaf1:Uplink1\""});
    api_call(e, "GET", "/api/v1/faults", NULL, (struct reply_check){200, "{\"faults\":[]}"});
    api_call(e, "POST", "/api/v1/faults",
             "{\"kind\":\"link_cut\",\"target\":\"leaf1:Uplink1\","
             "\"duration\":\"1m\"}",
             (struct reply_check){201, "{\"id\":1,"});
    api_call(e, "POST", "/api/v1/faults",
             "{\"kind\":\"congestion\",\"target\":\"leaf1:Ethernet1\",\"params\":{\"factor\":4}}",
             (struct reply_check){201, "{\"id\":2,"});
    api_call(e, "POST", "/api/v1/faults", "{\"kind\":\"link_cut\"",
             (struct reply_check){400, "bad JSON: line 1"});
    api_call(e, "POST", "/api/v1/faults", NULL, (struct reply_check){400, "no body"});
    api_call(e, "POST", "/api/v1/faults", "{\"kind\":\"fire\",\"target\":\"leaf1\"}",
             (struct reply_check){400, "unknown kind \\\"fire\\\""});
    api_call(e, "POST", "/api/v1/faults", "{\"kind\":\"reboot\",\"target\":\"leaf7\"}",
             (struct reply_check){404, "no device \\\"leaf7\\\""});
    api_call(e, "POST", "/api/v1/faults",
             "{\"kind\":\"congestion\",\"target\":\"leaf1:Ethernet1\",\"params\":{\"factor\":0}}",
             (struct reply_check){400, "factor of congestion must be from 1.5 to 1000"});
    api_call(e, "POST", "/api/v1/faults",
             "{\"kind\":\"reboot\",\"target\":\"leaf1\",\"when\":\"now\"}",
             (struct reply_check){400, "unknown field \\\"when\\\""});
    api_call(e, "POST", "/api/v1/faults",
             "{\"kind\":\"probe_slow\",\"target\":\"leaf1\",\"params\":{\"delay\":\"2s\"}}",
             (struct reply_check){201, "{\"id\":3,"});
    /* nothing of the refused ones was applied */
    struct strbuf sb;
    strbuf_init(&sb, 1024, 1 << 20);
    exporter_faults_json(e, &sb);
    assert_non_null(strstr(sb.data, "\"id\":3"));
    assert_null(strstr(sb.data, "\"id\":4"));
    assert_null(strstr(sb.data, "leaf7"));
    strbuf_cleanup(&sb);
    /* the next tick shows the cut and the fault family */
    struct errbuf err;
    struct body *b = stack_scrape(&s, T0_MS + 1000, EXPO_TEXT_004, BODY_IDENTITY, &err);
    assert_non_null(strstr(b->data, "switch_port_oper_state{device=\"leaf1\",port=\"Uplink1\","
                                    "state=\"down\"} 1"));
    assert_non_null(strstr(b->data, "switchsim_fault_active{id=\"1\",kind=\"link_cut\","
                                    "target=\"leaf1:Uplink1\",source=\"api\"} 1"));
    body_release(b);
    uint64_t delay = 0;
    assert_int_equal(exporter_probe_fault(e, "leaf1", &delay), FAULT_PROBE_SLOW);
    assert_int_equal(delay, 2000);
    assert_int_equal(exporter_probe_fault(e, "leaf2", &delay), -1);
    api_call(e, "DELETE", "/api/v1/faults/1", NULL, (struct reply_check){200, "success"});
    api_call(e, "DELETE", "/api/v1/faults/1", NULL, (struct reply_check){404, "no active fault"});
    api_call(e, "DELETE", "/api/v1/faults/x", NULL, (struct reply_check){400, "positive whole"});
    api_call(e, "PUT", "/api/v1/faults", NULL, (struct reply_check){405, "not allowed"});
    api_call(e, "GET", "/api/v1/nothing", NULL, (struct reply_check){404, "no such API"});
    b = stack_scrape(&s, T0_MS + 3000, EXPO_TEXT_004, BODY_IDENTITY, &err);
    assert_non_null(strstr(b->data, "switch_port_oper_state{device=\"leaf1\",port=\"Uplink1\","
                                    "state=\"up\"} 1"));
    assert_null(strstr(b->data, "switchsim_fault_active{id=\"1\""));
    body_release(b);
    stack_cleanup(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_targets_and_params),
        cmocka_unit_test(test_link_cut_downs_both_ends),
        cmocka_unit_test(test_admin_down_and_flap),
        cmocka_unit_test(test_reboot_resets_counters),
        cmocka_unit_test(test_congestion_drops_at_the_port_only),
        cmocka_unit_test(test_error_burst_counts_exactly),
        cmocka_unit_test(test_broadcast_storm_floods_the_leaf),
        cmocka_unit_test(test_faulted_values_do_not_depend_on_the_path),
        cmocka_unit_test(test_scenario_timing),
        cmocka_unit_test(test_json_reader),
        cmocka_unit_test(test_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
