/* sim.h - a deterministic, time-anchored simulation of a fleet of switches and the links
 * between them.
 *
 * Time is cut into ticks of fleet->tick_ms counted from the Unix epoch: tick k is the
 * state at k * tick_ms ms since 1970-01-01. Every value is a function of (fleet, seed, k)
 * alone - not of when the process started, how often anyone asked or in which steps the
 * simulation advanced - so two processes with the same profile and seed serve identical
 * values for every tick both serve, and history can be computed (backfill) without
 * replaying it. docs/SIMULATION.md gives the models and the reasoning.
 *
 * Ownership: borrows the fleet (which must outlive the sim); owns everything else.
 * Threading: not thread-safe; the exporter serializes all calls. Time is always an
 * argument, so tests drive a simulated week without sleeping. */
#ifndef SWITCHSIM_SIM_H
#define SWITCHSIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "model/fault.h"
#include "model/model.h"

/* Ethernet adds 8 bytes of preamble and a 12-byte inter-frame gap to every frame. */
#define SIM_WIRE_OVERHEAD_BYTES 20
#define SIM_MIN_FRAME_BYTES     64

/* What a port shows at the current tick. Counters count since its device's last boot.
 * Read-only outside sim.c. */
struct port_state {
    uint64_t rx_packets; /* good frames received (unicast + multicast + broadcast) */
    uint64_t tx_packets; /* frames transmitted */
    uint64_t rx_bytes, tx_bytes;
    uint64_t rx_multicast_packets, rx_broadcast_packets;
    uint64_t tx_multicast_packets, tx_broadcast_packets;
    uint64_t rx_errors;          /* received frames discarded as errored; not in rx_packets */
    uint64_t rx_discards;        /* good frames discarded on input (policy); not in rx_packets */
    uint64_t tx_errors;          /* frames that failed to transmit; not in tx_packets */
    uint64_t tx_drops;           /* frames dropped at egress because the buffer was full */
    uint64_t tx_offered_packets; /* frames the device forwarded to this port (for checks) */
    uint64_t buffer_level_bytes; /* egress queue at the tick's end */
    uint64_t buffer_watermark_bytes; /* peak egress queue during the tick */
    uint32_t carrier_transitions;    /* operational up/down changes */
    uint8_t link_up;                 /* operational state */
    uint8_t admin_up;                /* administrative state */
    float rx_utilization;            /* received load / line rate during the tick, 0..1 */
    float tx_utilization;            /* transmitted load / line rate during the tick, 0..1 */
};

/* What a device shows at the current tick. */
struct device_state {
    uint64_t boot_tick; /* tick of the last (re)boot; counters count from it */
    uint8_t booting;    /* ports are held down until the boot completes */
};

struct sim;

/* A simulation positioned at `tick` (no replay: the state there is computed directly). */
struct sim *sim_new(const struct fleet *fleet, uint64_t seed, uint64_t tick);
/* The same, with faults applied (copied; NULL: none). */
struct sim *sim_new_faulted(const struct fleet *fleet, uint64_t seed,
                            const struct fault_set *faults, uint64_t tick);
void sim_free(struct sim *sim); /* NULL is a no-op */

/* Replaces the faults the simulation applies (copied). Contract: the old and the new set
 * agree at and before the current tick - faults are added from the next tick on and ended
 * at the next tick at the earliest - so nothing already served changes; the states after
 * it follow the new set. Values of ports no fault touches are not changed by a fault,
 * except through forwarding (traffic rerouted around a cut link, or not sent to a host
 * that is down). */
void sim_set_faults(struct sim *sim, const struct fault_set *faults);

/* Moves the state to `tick`, forwards or backwards. The cost grows with the number of
 * link and device events between the two ticks, not with the number of ticks. */
void sim_advance_to(struct sim *sim, uint64_t tick);

/* Positions at `tick` from scratch, as sim_new does: after sim_set_faults() with faults
 * that changed the past (a reload's new world, a scenario). */
void sim_seek_to(struct sim *sim, uint64_t tick);
/* The faults applied (sim_set_faults). */
const struct fault_set *sim_faults(const struct sim *sim);

uint64_t sim_tick(const struct sim *sim);
uint64_t sim_tick_ms(const struct sim *sim);
/* Wall-clock time (ms since the epoch) of the current tick. */
int64_t sim_time_ms(const struct sim *sim);
/* Latest tick whose time is <= now_ms (0 before the epoch). */
uint64_t sim_tick_at(const struct sim *sim, int64_t now_ms);

const struct port_state *sim_port(const struct sim *sim, size_t port_index);
/* All port states, indexed like device->first_port_index + port. Valid until the next
 * sim_advance_to() or sim_free(). */
const struct port_state *sim_ports(const struct sim *sim);
const struct device_state *sim_device(const struct sim *sim, size_t device_index);
/* The port at the other end of port_index's link, or -1 for a port not in a link (it faces
 * hosts or the world outside the fleet). */
long sim_peer(const struct sim *sim, size_t port_index);

#endif /* SWITCHSIM_SIM_H */
