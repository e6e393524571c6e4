/* sim.h - deterministic, time-based simulation of every port in a fleet.
 *
 * Time advances in ticks of fleet->tick_ms. Tick k is the state at wall-clock time
 * start_ms + k * tick_ms. Values depend only on the fleet, the seed, the start time
 * and the tick number - never on when or how often anyone asks - so two processes
 * with the same inputs produce identical values for the same tick.
 *
 * Ownership: borrows the fleet (which must outlive the sim); owns the port states.
 * Threading: not thread-safe; the exporter serializes all calls. Time is always an
 * argument, so tests drive a simulated day without sleeping. */
#ifndef SWITCHSIM_SIM_H
#define SWITCHSIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

/* Ethernet adds 8 bytes of preamble and a 12-byte inter-frame gap to every frame. */
#define SIM_WIRE_OVERHEAD_BYTES 20
#define SIM_MIN_FRAME_BYTES     64

/* State of one port at the current tick. Read-only outside sim.c.
 * Kept compact (120 bytes): a 10,000-device fleet holds 640,000 of these. Byte counters
 * are not stored: they are packets x the port's packet_size (see sim_rx_bytes()). */
struct port_state {
    uint64_t rx_packets;
    uint64_t tx_packets;
    uint64_t tx_drops; /* packets dropped because the buffer was full */
    uint64_t rx_errors;
    double buffer_level_bytes;    /* 0 <= level <= capacity */
    uint32_t carrier_transitions; /* up->down and down->up changes */
    float rx_utilization;         /* received load / line rate during the last tick, 0..1 */
    float tx_offered_ratio;       /* offered egress load / line rate; > 1 fills the buffer */
    uint8_t link_up;
    uint8_t in_burst;

    /* internal */
    uint64_t rng;
    uint64_t next_link_change_tick;
    uint64_t next_burst_change_tick;
    float mean_utilization;         /* this port's own mean, after port_spread */
    float noise_rx, noise_tx;       /* Ornstein-Uhlenbeck processes, stationary N(0,1) */
    float diurnal_cos, diurnal_sin; /* phase of this port's daily peak */
    float rx_packet_carry, tx_packet_carry, rx_error_carry, tx_drop_carry;
};

static inline uint64_t sim_rx_bytes(const struct port_state *st, const struct port_spec *spec)
{
    return st->rx_packets * spec->traffic.packet_size_bytes;
}

static inline uint64_t sim_tx_bytes(const struct port_state *st, const struct port_spec *spec)
{
    return st->tx_packets * spec->traffic.packet_size_bytes;
}

struct sim;

struct sim *sim_new(const struct fleet *fleet, uint64_t seed, int64_t start_ms);
/* Like sim_new, but the simulation starts at `tick` (ports in their stationary state there)
 * instead of replaying ticks 0..tick: for a reload, which then carries state over. */
struct sim *sim_new_at(const struct fleet *fleet, uint64_t seed, int64_t start_ms, uint64_t tick);
void sim_free(struct sim *sim); /* NULL is a no-op */

/* Advances the state to `tick`; a tick at or before the current one is a no-op. */
void sim_advance_to(struct sim *sim, uint64_t tick);

uint64_t sim_tick(const struct sim *sim);
uint64_t sim_tick_ms(const struct sim *sim);
int64_t sim_start_ms(const struct sim *sim);
/* Wall-clock time (ms since the epoch) of the current tick. */
int64_t sim_time_ms(const struct sim *sim);
/* Latest tick whose time is <= now_ms (0 before the start). */
uint64_t sim_tick_at(const struct sim *sim, int64_t now_ms);

const struct port_state *sim_port(const struct sim *sim, size_t port_index);
/* Carries port `from_index` of `from` into port `to_index` of `to` (both at the same tick).
 * When the two ports' models are equal the whole state moves, so the port continues
 * exactly as it would have; otherwise only its counters do (rx/tx packets, drops, errors,
 * carrier transitions) and the rest starts afresh under the new model. */
void sim_carry_port(struct sim *to, size_t to_index, const struct sim *from, size_t from_index);
/* All port states, indexed like device->first_port_index + port. Valid until sim_free(). */
const struct port_state *sim_ports(const struct sim *sim);

#endif /* SWITCHSIM_SIM_H */
