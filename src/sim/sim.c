/* sim.c - per-port traffic, buffer and link simulation, one tick at a time.
 *
 * The models (see docs/SIMULATION.md for the reasoning):
 *  - utilization = port mean x daily cycle x (1 + noise x OU process), clamped to [0, 1].
 *    The OU process is a mean-reverting random walk with a correlation time, so the
 *    load wanders smoothly instead of jumping like white noise.
 *  - egress bursts (incast) are an on/off process with exponential durations; during a
 *    burst the offered egress load is multiplied by burst_factor and may exceed 1.
 *  - the buffer is a fluid queue, time-scaled so that it is visible at tick resolution:
 *    it fills at (offered - 1) x capacity / drain_time while offered > 1 and drains at
 *    the same slope otherwise. What does not fit is dropped.
 *  - the link alternates up/down with exponential times of mean MTBF and MTTR; while
 *    it is down nothing is counted and the buffer is empty.
 * Every random draw comes from the port's own stream, seeded from (seed, device, port). */
#include "sim/sim.h"

#include <math.h>
#include <stdlib.h>

#include "base/rng.h"
#include "base/xalloc.h"

#define TWO_PI 6.283185307179586

/* Per-spec constants, computed once instead of per port per tick. */
struct spec_consts {
    const struct port_spec *spec;
    float noise_keep;  /* exp(-tick / noise_period) */
    float noise_fresh; /* sqrt(1 - noise_keep^2) */
};

struct sim {
    const struct fleet *fleet;
    const struct port_spec **specs;    /* spec of each port, fleet-wide index */
    const struct spec_consts **consts; /* constants of each port's spec, fleet-wide index */
    struct port_state *ports;
    struct spec_consts *distinct_consts; /* one per run of ports sharing a spec; owned */
    size_t n_consts;
    uint64_t tick;
    uint64_t tick_ms;
    int64_t start_ms;
};

static uint64_t ticks_for(const struct sim *sim, double duration_ms)
{
    double t = floor(duration_ms / (double)sim->tick_ms + 0.5);
    if (t < 1.0)
        return 1;
    if (t > 9e18)
        return UINT64_MAX / 2;
    return (uint64_t)t;
}

static double clamp01(double x)
{
    return x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x);
}

static void schedule_link(struct sim *sim, struct port_state *st, const struct link_model *link)
{
    double mean_ms = (double)(st->link_up ? link->mtbf_ms : link->mttr_ms);
    st->next_link_change_tick = sim->tick + ticks_for(sim, rng_exponential(&st->rng, mean_ms));
}

static void schedule_burst(struct sim *sim, struct port_state *st, const struct traffic_model *t)
{
    double mean_ms = st->in_burst ? (double)t->burst_duration_ms : 3600e3 / t->bursts_per_hour;
    st->next_burst_change_tick = sim->tick + ticks_for(sim, rng_exponential(&st->rng, mean_ms));
}

static int link_fails(const struct link_model *link)
{
    return link->pin == LINK_PIN_NONE && link->mtbf_ms > 0;
}

static void port_init(struct sim *sim, struct port_state *st, const struct port_spec *spec,
                      uint64_t seed, const char *device, const char *port)
{
    const struct traffic_model *t = &spec->traffic;
    st->rng = rng_hash_str(rng_hash_str(seed, device), port);
    st->mean_utilization = (float)clamp01(
        t->utilization * (1.0 + t->port_spread * (2.0 * rng_uniform(&st->rng) - 1.0)));
    /* A device's ports peak within +-1 h of the configured hour, not all at once. */
    double peak_h = t->peak_hour_utc + 2.0 * rng_uniform(&st->rng) - 1.0;
    st->diurnal_cos = (float)cos(TWO_PI * peak_h / 24.0);
    st->diurnal_sin = (float)sin(TWO_PI * peak_h / 24.0);
    double z0, z1;
    rng_normal_pair(&st->rng, &z0, &z1); /* start in the stationary state */
    st->noise_rx = (float)z0;
    st->noise_tx = (float)z1;

    const struct link_model *link = &spec->link;
    if (link->pin == LINK_PIN_DOWN)
        st->link_up = 0;
    else if (!link_fails(link))
        st->link_up = 1;
    else {
        double p_up = (double)link->mtbf_ms / (double)(link->mtbf_ms + link->mttr_ms);
        st->link_up = rng_uniform(&st->rng) <= p_up ? 1 : 0;
        schedule_link(sim, st, link); /* exponential times are memoryless */
    }
    if (t->bursts_per_hour > 0) {
        double gap_ms = 3600e3 / t->bursts_per_hour;
        double p_burst = (double)t->burst_duration_ms / ((double)t->burst_duration_ms + gap_ms);
        st->in_burst = rng_uniform(&st->rng) < p_burst ? 1 : 0;
        schedule_burst(sim, st, t);
    }
}

struct sim *sim_new(const struct fleet *fleet, uint64_t seed, int64_t start_ms)
{
    return sim_new_at(fleet, seed, start_ms, 0);
}

struct sim *sim_new_at(const struct fleet *fleet, uint64_t seed, int64_t start_ms, uint64_t tick)
{
    struct sim *sim = xcalloc(1, sizeof(*sim));
    sim->fleet = fleet;
    sim->tick = tick; /* port_init() schedules relative to it */
    sim->tick_ms = fleet->tick_ms;
    sim->start_ms = start_ms;
    sim->ports = xcalloc(fleet->n_ports ? fleet->n_ports : 1, sizeof(*sim->ports));
    sim->specs = xcalloc(fleet->n_ports ? fleet->n_ports : 1, sizeof(const struct port_spec *));
    sim->consts = xcalloc(fleet->n_ports ? fleet->n_ports : 1, sizeof(const struct spec_consts *));
    /* At most one set of constants per port; ports of a group share one spec and so share
     * its constants (a new set starts where the spec changes). */
    sim->distinct_consts =
        xcalloc(fleet->n_ports ? fleet->n_ports : 1, sizeof(*sim->distinct_consts));
    struct spec_consts *last = NULL;
    for (size_t d = 0; d < fleet->n_devices; d++) {
        const struct device *dev = &fleet->devices[d];
        for (size_t p = 0; p < dev->n_ports; p++) {
            size_t i = dev->first_port_index + p;
            const struct port_spec *spec = dev->ports[p].spec;
            if (!last || last->spec != spec) {
                last = &sim->distinct_consts[sim->n_consts++];
                last->spec = spec;
                double keep = exp(-(double)sim->tick_ms / (double)spec->traffic.noise_period_ms);
                last->noise_keep = (float)keep;
                last->noise_fresh = (float)sqrt(1.0 - keep * keep);
            }
            sim->consts[i] = last;
            sim->specs[i] = spec;
            port_init(sim, &sim->ports[i], dev->ports[p].spec, seed, dev->name, dev->ports[p].name);
        }
    }
    return sim;
}

void sim_free(struct sim *sim)
{
    if (!sim)
        return;
    free(sim->distinct_consts);
    free(sim->consts);
    free(sim->ports);
    free(sim->specs);
    free(sim);
}

/* Moves the fractional part of *carry + amount into an integer count. */
static uint64_t take_whole(float *carry, double amount)
{
    double total = (double)*carry + amount;
    double whole = floor(total);
    *carry = (float)(total - whole);
    return (uint64_t)whole;
}

static void port_step(struct sim *sim, struct port_state *st, const struct port_spec *spec,
                      const struct spec_consts *k, double day_cos, double day_sin, double dt_s)
{
    const struct traffic_model *t = &spec->traffic;
    const struct link_model *link = &spec->link;

    if (link_fails(link) && sim->tick >= st->next_link_change_tick) {
        st->link_up = !st->link_up;
        st->carrier_transitions++;
        schedule_link(sim, st, link);
    }
    if (t->bursts_per_hour > 0 && sim->tick >= st->next_burst_change_tick) {
        st->in_burst = !st->in_burst;
        schedule_burst(sim, st, t);
    }
    /* The noise keeps evolving while the link is down, so the random stream (and so
     * every later value) does not depend on the link history. */
    double z_rx, z_tx;
    rng_normal_pair(&st->rng, &z_rx, &z_tx);
    st->noise_rx =
        (float)((double)k->noise_keep * (double)st->noise_rx + (double)k->noise_fresh * z_rx);
    st->noise_tx =
        (float)((double)k->noise_keep * (double)st->noise_tx + (double)k->noise_fresh * z_tx);

    if (!st->link_up) {
        st->buffer_level_bytes = 0.0;
        st->rx_utilization = 0.0F;
        st->tx_offered_ratio = 0.0F;
        return;
    }
    /* cos(day - peak) without a cos() per port: the day angle is computed once per tick. */
    double daily = day_cos * (double)st->diurnal_cos + day_sin * (double)st->diurnal_sin;
    double base = (double)st->mean_utilization * (1.0 + t->daily_swing * daily);
    double rx_util = clamp01(base * (1.0 + t->noise * (double)st->noise_rx));
    double tx_util = clamp01(base * (1.0 + t->noise * (double)st->noise_tx));
    double offered = st->in_burst ? tx_util * t->burst_factor : tx_util;
    st->rx_utilization = (float)rx_util;
    st->tx_offered_ratio = (float)offered;

    double wire_bytes = (double)(t->packet_size_bytes + SIM_WIRE_OVERHEAD_BYTES);
    double line_pkts = (double)spec->speed_bps / 8.0 * dt_s / wire_bytes; /* per tick */

    uint64_t rx = take_whole(&st->rx_packet_carry, rx_util * line_pkts);
    st->rx_packets += rx;
    st->rx_errors += take_whole(&st->rx_error_carry, (double)rx * t->rx_error_ratio);

    double capacity = (double)spec->buffer_capacity_bytes;
    double slope = capacity * dt_s / ((double)spec->buffer_drain_ms / 1000.0);
    /* The stored (float) ratio decides, so fill/drain always agrees with what is exposed. */
    offered = (double)st->tx_offered_ratio;
    double delta = (offered - 1.0) * slope;
    double level = st->buffer_level_bytes + delta;
    double sent_ratio = offered < 1.0 ? offered : 1.0;
    if (level > capacity) {
        /* The share of the tick's excess that found the buffer full is dropped. */
        double overflow_share = (level - capacity) / delta;
        double excess_pkts = (offered - 1.0) * line_pkts;
        st->tx_drops += take_whole(&st->tx_drop_carry, excess_pkts * overflow_share);
        level = capacity;
    } else if (level < 0.0) {
        level = 0.0;
    }
    st->buffer_level_bytes = level;
    st->tx_packets += take_whole(&st->tx_packet_carry, sent_ratio * line_pkts);
}

void sim_advance_to(struct sim *sim, uint64_t tick)
{
    double dt_s = (double)sim->tick_ms / 1000.0;
    while (sim->tick < tick) {
        sim->tick++;
        int64_t now_ms = sim_time_ms(sim);
        double day_s = (double)(((now_ms % 86400000) + 86400000) % 86400000) / 1000.0;
        double day_angle = TWO_PI * day_s / 86400.0;
        double day_cos = cos(day_angle), day_sin = sin(day_angle);
        for (size_t i = 0; i < sim->fleet->n_ports; i++)
            port_step(sim, &sim->ports[i], sim->specs[i], sim->consts[i], day_cos, day_sin, dt_s);
    }
}

uint64_t sim_tick(const struct sim *sim)
{
    return sim->tick;
}

uint64_t sim_tick_ms(const struct sim *sim)
{
    return sim->tick_ms;
}

int64_t sim_start_ms(const struct sim *sim)
{
    return sim->start_ms;
}

int64_t sim_time_ms(const struct sim *sim)
{
    return sim->start_ms + (int64_t)(sim->tick * sim->tick_ms);
}

uint64_t sim_tick_at(const struct sim *sim, int64_t now_ms)
{
    if (now_ms <= sim->start_ms)
        return 0;
    return (uint64_t)(now_ms - sim->start_ms) / sim->tick_ms;
}

const struct port_state *sim_port(const struct sim *sim, size_t port_index)
{
    return &sim->ports[port_index];
}

static int same_traffic(const struct traffic_model *a, const struct traffic_model *b)
{
    return a->utilization == b->utilization && a->daily_swing == b->daily_swing &&
           a->peak_hour_utc == b->peak_hour_utc && a->noise == b->noise &&
           a->noise_period_ms == b->noise_period_ms && a->port_spread == b->port_spread &&
           a->bursts_per_hour == b->bursts_per_hour &&
           a->burst_duration_ms == b->burst_duration_ms && a->burst_factor == b->burst_factor &&
           a->packet_size_bytes == b->packet_size_bytes && a->rx_error_ratio == b->rx_error_ratio;
}

/* Whether two specs drive the simulation identically (names and descriptions aside). */
static int same_model(const struct port_spec *a, const struct port_spec *b)
{
    return a->speed_bps == b->speed_bps && a->buffer_capacity_bytes == b->buffer_capacity_bytes &&
           a->buffer_drain_ms == b->buffer_drain_ms && same_traffic(&a->traffic, &b->traffic) &&
           a->link.mtbf_ms == b->link.mtbf_ms && a->link.mttr_ms == b->link.mttr_ms &&
           a->link.pin == b->link.pin;
}

void sim_carry_port(struct sim *to, size_t to_index, const struct sim *from, size_t from_index)
{
    struct port_state *dst = &to->ports[to_index];
    const struct port_state *src = &from->ports[from_index];
    if (same_model(to->specs[to_index], from->specs[from_index])) {
        *dst = *src;
        return;
    }
    dst->rx_packets = src->rx_packets;
    dst->tx_packets = src->tx_packets;
    dst->tx_drops = src->tx_drops;
    dst->rx_errors = src->rx_errors;
    dst->carrier_transitions = src->carrier_transitions;
}

const struct port_state *sim_ports(const struct sim *sim)
{
    return sim->ports;
}
