/* sim.c - the time-anchored fleet simulation (models and reasoning: docs/SIMULATION.md).
 *
 * Everything random is a hash of (seed, names, absolute tick), never a stream that has to
 * be replayed, so any tick can be computed directly:
 *  - failures: time is cut into windows per link (a quarter of its MTBF); a hash decides
 *    whether a window holds a failure, when it starts and how long it lasts. Device
 *    reboots work the same way. Whether something is down at tick t looks at two windows.
 *  - load: the cumulative load of a host-facing port (in line-rate ticks) has a closed
 *    form: mean x ticks, plus the sum of a daily cosine, plus a smooth bounded noise whose
 *    difference is the rate's variation. The rate of any tick, and the sum between any two
 *    ticks, cost a few operations.
 *  - forwarding: between two state changes (an "epoch": no link, port or device changed)
 *    traffic is routed linearly: what a link or port carries is a fixed combination of
 *    what each device receives from its hosts (gravity model: destinations in proportion to
 *    their ports' weights; ECMP over the shortest paths). Counters are sums over epochs of
 *    whole frames, so both ends of a link count the very same integers.
 *  - drops, errors and discards are rare events: per block of ticks a Poisson count (from
 *    the expected load), placed on ticks in proportion to the load there. Counting them
 *    between any two ticks visits blocks, not ticks.
 * Advancing therefore costs O(state changes), and the values at a tick O(ports). */
#include "sim/sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "base/xalloc.h"
#include "model/fault.h"

#define TWO_PI 6.283185307179586

/* Load limits: a host port is never offered more than this share of its line rate in a
 * tick, and ingress is scaled down so that, with every link up, no fabric link carries
 * more than FABRIC_HEADROOM of its line rate: losing one of two parallel links (or one
 * of two spines) then stays below 0.9 of line rate. Fabrics are built for N-1. */
#define MAX_UTIL        0.9
#define FABRIC_HEADROOM 0.45
/* Small frames (acknowledgements, control): a fixed rate per port, this share of the
 * port's lowest possible load, so bytes per packet grows with load. */
#define SMALL_FRAME_BYTES 64
#define SMALL_SHARE       0.3
/* Events (drops, errors, discards) are drawn per block of this many ticks. */
#define EVENT_BLOCK_TICKS 65536
#define EVENT_BLOCK_MAX   256.0
#define EVENT_SEGMENTS    16 /* a block's weight is piecewise constant over these */
/* Pareto tail index of microburst peak sizes (queue occupancy), heavy-tailed as measured
 * in data centres; see docs/SIMULATION.md#microbursts. */
#define BURST_ALPHA 1.5
/* ECMP: each next hop's share deviates by up to this from equal (hash imbalance). */
#define ECMP_SKEW 0.04
/* Devices without a reboot MTBF reboot every 30 days, at a time of their own: the history a
 * process computes at start (from the last boot) stays bounded. */
#define GRID_MS       (30ULL * 86400000ULL)
#define REBOOT_GRID_N 4096 /* with an MTBF: at most every 4096 reboot windows */
/* Share of links with receive discards (policy drops) at all, and their rate. */
#define DISCARD_SHARE     0.2
#define DISCARDS_PER_HOUR 6.0
#define NOISE_OCTAVES     3

enum salt {
    SALT_PORT = 1,
    SALT_FAIL,
    SALT_BOOT,
    SALT_NOISE,
    SALT_EVENTS,
    SALT_QUEUE,
    SALT_BURST,
    SALT_MEAN,
    SALT_SKEW,
    SALT_LINK,
};

static inline uint64_t hash2(uint64_t key, uint64_t a)
{
    return rng_mix64(key ^ rng_mix64(a + 0x9e3779b97f4a7c15ULL));
}

static inline uint64_t hash3(uint64_t key, uint64_t a, uint64_t b)
{
    return hash2(hash2(key, a), b);
}

/* Uniform in (0, 1). */
static inline double unit_interval(uint64_t h)
{
    return ((double)(h >> 11) + 0.5) * 0x1.0p-53;
}

/* ---- failures: links and host ports ---------------------------------------------------- */

struct unit {
    uint64_t key;
    uint64_t window; /* ticks; 0 = no failures */
    double p_fail;   /* probability that a window holds a failure */
    double mttr_ticks;
    uint8_t pinned_down;
    /* cache: nothing changes in [next_from, next) */
    uint64_t next_from, next;
};

static void unit_init(struct unit *u, uint64_t key, const struct link_model *link, uint64_t tick_ms)
{
    memset(u, 0, sizeof(*u));
    u->key = key;
    u->pinned_down = link->pin == LINK_PIN_DOWN;
    if (link->pin != LINK_PIN_NONE || link->mtbf_ms == 0)
        return;
    double mtbf = (double)link->mtbf_ms / (double)tick_ms;
    double window = floor(mtbf / 4.0);
    u->window = window < 2.0 ? 2 : (uint64_t)window;
    /* at most one failure per window, with the Poisson process's expected count */
    u->p_fail = (double)u->window / (mtbf < 1.0 ? 1.0 : mtbf);
    if (u->p_fail > 1.0)
        u->p_fail = 1.0;
    u->mttr_ticks = (double)link->mttr_ms / (double)tick_ms;
}

/* The failure in window j, if any: down during [*start, *end). Ends before the window does,
 * so failures of consecutive windows never touch. */
static int unit_failure(const struct unit *u, uint64_t j, uint64_t *start, uint64_t *end)
{
    uint64_t h = hash3(u->key, SALT_FAIL, j);
    if (unit_interval(h) >= u->p_fail)
        return 0;
    uint64_t s = j * u->window + hash2(h, 1) % u->window;
    double d = ceil(-u->mttr_ticks * log(unit_interval(hash2(h, 2))));
    uint64_t last = (j + 1) * u->window - 1;
    uint64_t e = d >= (double)(last - s) ? last : s + (d < 1.0 ? 1 : (uint64_t)d);
    if (e <= s)
        return 0;
    *start = s;
    *end = e;
    return 1;
}

static int unit_down(const struct unit *u, uint64_t t)
{
    if (u->pinned_down)
        return 1;
    if (!u->window)
        return 0;
    uint64_t s, e, j = t / u->window;
    return unit_failure(u, j, &s, &e) && s <= t && t < e;
}

/* The first tick after t at which the unit's state changes (UINT64_MAX: never). Scans a
 * bounded number of windows; past them it names a window start, where nothing changes. */
static uint64_t unit_next_change_uncached(const struct unit *u, uint64_t t);

/* The next change is a function of t alone, so a cached answer holds for any t in the
 * span it was computed for (written through a const pointer: units are never const). */
static uint64_t unit_next_change(const struct unit *cu, uint64_t t)
{
    struct unit *u = (struct unit *)(uintptr_t)cu;
    if (u->next && u->next_from <= t && t < u->next)
        return u->next;
    u->next_from = t;
    u->next = unit_next_change_uncached(u, t);
    return u->next;
}

static uint64_t unit_next_change_uncached(const struct unit *u, uint64_t t)
{
    if (!u->window)
        return UINT64_MAX;
    for (uint64_t j = t / u->window, n = 0; n < 64; j++, n++) {
        uint64_t s, e;
        if (unit_failure(u, j, &s, &e)) {
            if (s > t)
                return s;
            if (e > t)
                return e;
        }
    }
    return (t / u->window + 64) * u->window;
}

/* ---- devices: reboots ------------------------------------------------------------------ */

struct devsim {
    uint64_t key;
    uint64_t window; /* reboot windows, ticks; 0 = grid reboots only */
    double p_reboot;
    uint64_t grid;        /* a reboot at least every `grid` ticks, at offset */
    uint64_t grid_offset; /* < grid */
    uint64_t boot_ticks;
    size_t comp;
    const struct fault **reboots; /* reboot faults of this device (into sim->faults) */
    size_t n_reboots;
};

static uint64_t grid_boot(const struct devsim *d, uint64_t t)
{
    if (t < d->grid_offset)
        return 0;
    return d->grid_offset + (t - d->grid_offset) / d->grid * d->grid;
}

static int reboot_in(const struct devsim *d, uint64_t j, uint64_t *r)
{
    uint64_t h = hash3(d->key, SALT_BOOT, j);
    if (unit_interval(h) >= d->p_reboot)
        return 0;
    *r = j * d->window + hash2(h, 1) % d->window;
    return 1;
}

/* The last (re)boot at or before t, of the device's own process. */
static uint64_t last_boot_own(const struct devsim *d, uint64_t t)
{
    uint64_t g = grid_boot(d, t), r;
    if (!d->window)
        return g;
    for (uint64_t j = t / d->window;; j--) {
        if (reboot_in(d, j, &r) && r <= t && r > g)
            return r;
        if (j == 0 || j * d->window <= g)
            return g;
    }
}

/* The last (re)boot at or before t: its own or one a fault asked for. */
static uint64_t last_boot(const struct devsim *d, uint64_t t)
{
    uint64_t r = last_boot_own(d, t), s;
    for (size_t i = 0; i < d->n_reboots; i++)
        if (fault_last_start(d->reboots[i], t, &s) && s > r)
            r = s;
    return r;
}

static uint64_t boot_next_change_own(const struct devsim *d, uint64_t t);

/* The first tick after t at which the device reboots or finishes booting. */
static uint64_t boot_next_change(const struct devsim *d, uint64_t t)
{
    uint64_t r = last_boot(d, t);
    if (t < r + d->boot_ticks)
        return r + d->boot_ticks;
    uint64_t next = boot_next_change_own(d, t);
    for (size_t i = 0; i < d->n_reboots; i++) {
        uint64_t n = fault_next_start(d->reboots[i], t);
        if (n < next)
            next = n;
    }
    return next;
}

static uint64_t boot_next_change_own(const struct devsim *d, uint64_t t)
{
    uint64_t r;
    uint64_t next_grid = grid_boot(d, t) + d->grid;
    if (t < d->grid_offset)
        next_grid = d->grid_offset;
    if (d->window)
        for (uint64_t j = t / d->window; j * d->window < next_grid; j++)
            if (reboot_in(d, j, &r) && r > t)
                return r < next_grid ? r : next_grid;
    return next_grid;
}

static int booting_at(const struct devsim *d, uint64_t t)
{
    return t < last_boot(d, t) + d->boot_ticks;
}

/* ---- rare events: drops, errors, discards ---------------------------------------------- */

enum ev_kind { EV_DROPS, EV_TX_ERRORS, EV_RX_ERRORS, EV_RX_DISCARDS, EV_KINDS };

struct evproc {
    uint64_t key;
    double per_tick; /* expected events per tick at weight 1; 0 = none */
    double size_mean;
    /* cache: the placed events of one block, and the count since `from` before it */
    int valid;
    uint64_t block, from;
    uint64_t *ticks; /* sorted */
    size_t n_ticks, cap_ticks;
    uint64_t size;     /* frames per event in this block */
    uint64_t before;   /* frames of events in [from, block start) */
    size_t below_from; /* placed events before `from` */
    size_t cursor;     /* placed events before cursor_tick: counting moves it forward */
    uint64_t cursor_tick;
};

/* ---- ports, components, the sim -------------------------------------------------------- */

/* What a port's faults added to its counters (port_fault_effects). */
struct fault_counts {
    uint64_t drops;    /* congestion */
    uint64_t errors;   /* error bursts */
    uint64_t storm_rx; /* broadcast frames of a storm entering at this port */
    uint64_t storm_tx; /* ... flooded out of this port */
};

struct psim {
    size_t dev;
    long link; /* index into fleet->links, or -1 */
    long peer; /* port at the other end, or -1 */
    uint8_t admin_down;
    uint8_t bad;
    uint8_t oper_up; /* in the current epoch */
    struct unit unit;
    /* ingress model (host-facing ports) */
    double mu_in, swing, cos_phi, sin_phi;
    double amp[NOISE_OCTAVES];
    uint64_t period[NOISE_OCTAVES], offset[NOISE_OCTAVES];
    /* cache of ingress_rest() at one tick (tick + 1; 0 = empty) */
    uint64_t rest_tick;
    long double rest_value;
    /* cache of the noise lattice cell last used per octave (cell + 1; 0 = empty) */
    uint64_t noise_cell[NOISE_OCTAVES];
    double noise_v0[NOISE_OCTAVES], noise_v1[NOISE_OCTAVES];
    double small_per_tick; /* small frames per tick while up */
    double bulk_wire;      /* wire bytes of a bulk frame */
    double line_wire;      /* wire bytes per tick at line rate */
    double mu_out;         /* egress weight (mean share of line rate) */
    double mc_share, bc_share;
    double cap_bytes, burst_bytes, bursts_per_tick;
    long flow_tx, flow_rx; /* component-local flows; rx -1 for host-facing ports */
    long edge;             /* index among the component's host-facing ports, or -1 */
    struct evproc ev[EV_KINDS];
    /* since the device's boot: whole wire bytes and frames of closed epochs */
    uint64_t acc_rx_wire, acc_rx_pkts, acc_tx_wire, acc_tx_pkts;
    uint32_t acc_transitions;
    long double g0; /* closed-form ingress sum at the epoch start (non-linear part) */
    /* faults on this port (into sim->faults), and what they added over closed epochs */
    const struct fault **faults;
    size_t n_faults;
    struct fault_counts acc_fault;
};

struct flow {
    long tx_port, rx_port; /* ends: transmitting / receiving port, or -1 */
    double line_wire;
};

struct comp {
    size_t *devs; /* global device indices */
    size_t n_devs;
    size_t *edges; /* global port indices of host-facing ports */
    size_t n_edges;
    size_t *links; /* indices into fleet->links */
    size_t n_links;
    struct flow *flows; /* 2 per link, then 1 per host-facing port (egress) */
    size_t n_flows;
    double *coef; /* [flow][local device]: share of the device's ingress on the flow */
    uint64_t e0;  /* current epoch start */
    uint64_t next_change;
    /* scratch */
    long double *din_wire, *din_pkts; /* per local device, ingress since e0 */
    double *weight;                   /* per local device: W of its up host ports */
    double *weight_all;               /* per local device: W of its admin-up host ports */
    double *phi; /* per local device: share of its hosts' load that finds an up destination */
    int *up_dev;
    int *dist, *label;
    double *amount;
    size_t *order;
    /* the amounts of the last two snapshots (see snapshot_comp) */
    struct amount *snap_now, *snap_prev;
    uint64_t snap_tick, snap_e0;
    int snap_valid;
};

struct sim {
    const struct fleet *fleet;
    uint64_t seed, tick, tick_ms;
    double omega;    /* daily angle per tick */
    double half_cot; /* 1 / (2 tan(omega / 2)) */
    struct psim *ports;
    struct devsim *devs;
    size_t *comp_of_dev_local; /* local index of each device in its component */
    struct comp *comps;
    size_t n_comps;
    struct unit *link_units;
    struct port_state *out;
    struct device_state *dev_out;
    int positioned;
    /* the faults applied (a copy), and the per-port/device lists pointing into it */
    struct fault_set faults;
    const struct fault **fault_refs;
    /* sin and cos of the daily angle of the last ticks asked for (a two-entry cache) */
    uint64_t trig_tick[2];
    double trig_sin[2], trig_cos[2];
    int trig_next;
};

/* ---- the closed-form ingress ---------------------------------------------------------- */

static double day_angle(const struct sim *sim, uint64_t t);

/* A cache, so it writes through a const pointer: the sim is never a const object. */
static void day_trig(const struct sim *csim, uint64_t t, double *sin_a, double *cos_a)
{
    struct sim *sim = (struct sim *)(uintptr_t)csim;
    for (int i = 0; i < 2; i++)
        if (sim->trig_tick[i] == t + 1) { /* +1: 0 marks an empty slot */
            *sin_a = sim->trig_sin[i];
            *cos_a = sim->trig_cos[i];
            return;
        }
    double a = day_angle(sim, t);
    int i = sim->trig_next;
    sim->trig_next ^= 1;
    sim->trig_tick[i] = t + 1;
    *sin_a = sim->trig_sin[i] = sin(a);
    *cos_a = sim->trig_cos[i] = cos(a);
}

static double day_angle(const struct sim *sim, uint64_t t)
{
    uint64_t day_ms = t * sim->tick_ms % 86400000ULL; /* ms since the epoch fit easily */
    return TWO_PI * (double)day_ms / 86400000.0;
}

static double lattice(uint64_t key, int octave, uint64_t cell)
{
    return 2.0 * unit_interval(hash3(key, (uint64_t)SALT_NOISE + 16 * (uint64_t)octave, cell)) -
           1.0;
}

/* Smooth bounded noise in [-1, 1]: value noise with smoothstep interpolation. The lattice
 * values of the last cell are cached in the port (written through a const pointer: ports
 * are never const objects). */
static double value_noise(const struct psim *cp, int o, uint64_t t)
{
    struct psim *p = (struct psim *)(uintptr_t)cp;
    uint64_t x = t + p->offset[o], cell = x / p->period[o];
    if (p->noise_cell[o] != cell + 1) {
        p->noise_v0[o] = lattice(p->unit.key, o, cell);
        p->noise_v1[o] = lattice(p->unit.key, o, cell + 1);
        p->noise_cell[o] = cell + 1;
    }
    double f = (double)(x % p->period[o]) / (double)p->period[o];
    return p->noise_v0[o] + (p->noise_v1[o] - p->noise_v0[o]) * f * f * (3.0 - 2.0 * f);
}

/* Non-linear part of the cumulative ingress load (line-rate ticks) up to t: the daily
 * cosine's sum and the noise. The linear part is mu_in x t. */
static long double ingress_rest_uncached(const struct sim *sim, const struct psim *p, uint64_t t);

static long double ingress_rest(const struct sim *sim, const struct psim *cp, uint64_t t)
{
    struct psim *p = (struct psim *)(uintptr_t)cp; /* a cache: ports are never const */
    if (p->rest_tick != t + 1) {
        p->rest_value = ingress_rest_uncached(sim, p, t);
        p->rest_tick = t + 1;
    }
    return p->rest_value;
}

static long double ingress_rest_uncached(const struct sim *sim, const struct psim *p, uint64_t t)
{
    double sa, ca;
    day_trig(sim, t, &sa, &ca);
    double s = sa * p->cos_phi + ca * p->sin_phi; /* sin(a + phi) */
    double c = ca * p->cos_phi - sa * p->sin_phi;
    /* sum_{u<t} cos(omega u + phi) = (sin(omega t + phi - omega/2) - const) / (2 sin(omega/2)) */
    long double rest = (long double)(p->mu_in * p->swing) * (s * sim->half_cot - 0.5 * c);
    for (int o = 0; o < NOISE_OCTAVES; o++)
        if (p->amp[o] > 0.0)
            rest += (long double)p->amp[o] * value_noise(p, o, t);
    return rest;
}

struct amount {
    long double wire, pkts;
};

static struct amount ingress_between(const struct sim *sim, const struct psim *p, uint64_t e0,
                                     uint64_t t)
{
    long double load =
        (long double)p->mu_in * (long double)(t - e0) + (ingress_rest(sim, p, t) - p->g0);
    long double wire = load * p->line_wire;
    long double small = (long double)p->small_per_tick * (long double)(t - e0);
    long double bulk =
        (wire - small * (SMALL_FRAME_BYTES + SIM_WIRE_OVERHEAD_BYTES)) / p->bulk_wire;
    return (struct amount){wire, bulk + small};
}

/* ---- events ------------------------------------------------------------------------------ */

/* Expected load of a port at t from its own parameters (the event weight). */
static double proxy_load(const struct sim *sim, const struct psim *p, double mu, uint64_t t)
{
    double a = day_angle(sim, t); /* event ticks are scattered: no cache */
    double c = cos(a) * p->cos_phi - sin(a) * p->sin_phi;
    return mu * (1.0 + p->swing * c);
}

/* Microbursts: a Poisson number per tick (rate ~ load), peak queue Pareto with scale
 * x_m(rho); the probability that one overflows the buffer gives the drop weight. */
static double burst_scale(const struct psim *p, double rho)
{
    return p->burst_bytes * rho / (1.0 - rho + 0.02);
}

static double overflow_weight(const struct psim *p, double rho)
{
    if (rho <= 0.0)
        return 0.0;
    double ratio = burst_scale(p, rho) / p->cap_bytes;
    /* ratio^BURST_ALPHA with BURST_ALPHA = 1.5, without pow() */
    return rho * (ratio >= 1.0 ? 1.0 : ratio * sqrt(ratio));
}

static double event_weight(const struct sim *sim, const struct psim *p, int kind, uint64_t t)
{
    switch (kind) {
    case EV_DROPS:
        return overflow_weight(p, proxy_load(sim, p, p->mu_out, t));
    case EV_TX_ERRORS:
        return proxy_load(sim, p, p->mu_out, t);
    case EV_RX_ERRORS:
        return proxy_load(sim, p, p->mu_in, t);
    default:
        return 1.0;
    }
}

static uint64_t poisson(uint64_t h, double mean)
{
    if (mean <= 0.0)
        return 0;
    if (mean > 40.0) { /* normal approximation */
        double u1 = unit_interval(h), u2 = unit_interval(hash2(h, 7));
        double z = sqrt(-2.0 * log(u1)) * cos(TWO_PI * u2);
        double n = floor(mean + sqrt(mean) * z + 0.5);
        return n < 0.0 ? 0 : (uint64_t)n;
    }
    double limit = exp(-mean), prod = unit_interval(h);
    uint64_t n = 0;
    while (prod > limit && n < 1000) {
        prod *= unit_interval(hash2(h, n + 100));
        n++;
    }
    return n;
}

static int port_up_at(const struct sim *sim, const struct psim *p, uint64_t t);

/* ---- faults (model/fault.h) ---------------------------------------------------------------- */

#define KIND(k)   (1u << (unsigned)(k))
#define CUT_KINDS (KIND(FAULT_LINK_CUT) | KIND(FAULT_FLAP))

/* A fault of one of `kinds` on the port active at t (stored in *which when not NULL). */
static int port_fault(const struct psim *p, unsigned kinds, uint64_t t, const struct fault **which)
{
    for (size_t i = 0; i < p->n_faults; i++) {
        const struct fault *f = p->faults[i];
        if ((kinds & KIND(f->kind)) && fault_active(f, t)) {
            if (which)
                *which = f;
            return 1;
        }
    }
    return 0;
}

static int admin_down_at(const struct psim *p, uint64_t t)
{
    return p->admin_down || port_fault(p, KIND(FAULT_ADMIN_DOWN), t, NULL);
}

/* Frames a congested port drops of n offered: it drains at 1/factor of its rate. */
static uint64_t congestion_drops(const struct fault *f, uint64_t n)
{
    return (uint64_t)floor((double)n * (1.0 - 1.0 / f->param[FAULT_P_FACTOR]));
}

/* Errored frames an error burst adds over `ticks` ticks. */
static uint64_t burst_errors(const struct sim *sim, const struct fault *f, uint64_t ticks)
{
    return (uint64_t)floor(f->param[FAULT_P_RATE] * (double)sim->tick_ms / 1000.0 * (double)ticks);
}

/* Shell sort: at most EVENT_BLOCK_MAX-ish entries, compared inline (qsort's calls through
 * a function pointer were the hottest part of positioning a large fleet). */
static void sort_ticks(uint64_t *v, size_t n)
{
    static const size_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    for (size_t g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++)
        for (size_t i = gaps[g]; i < n; i++) {
            uint64_t x = v[i];
            size_t j = i;
            for (; j >= gaps[g] && v[j - gaps[g]] > x; j -= gaps[g])
                v[j] = v[j - gaps[g]];
            v[j] = x;
        }
}

static uint64_t overlap(uint64_t s, uint64_t e, uint64_t a, uint64_t b)
{
    uint64_t lo = s > a ? s : a, hi = e < b ? e : b;
    return hi > lo ? hi - lo : 0;
}

/* Ticks of [a, b) at which a host-facing port is up. Where a link failure and a reboot
 * overlap, the overlap is subtracted twice: a lower bound, so a positive result means the
 * port is up at some tick. Costs the windows and reboots the span touches. */
static uint64_t up_ticks(const struct sim *sim, const struct psim *p, uint64_t a, uint64_t b)
{
    if (p->admin_down || p->unit.pinned_down)
        return 0;
    uint64_t down = 0, s, e;
    for (size_t i = 0; i < p->n_faults; i++)
        if ((CUT_KINDS | KIND(FAULT_ADMIN_DOWN)) & KIND(p->faults[i]->kind))
            down += fault_active_ticks(p->faults[i], a, b);
    if (p->unit.window)
        for (uint64_t j = a / p->unit.window; j * p->unit.window < b; j++)
            if (unit_failure(&p->unit, j, &s, &e))
                down += overlap(s, e, a, b);
    const struct devsim *d = &sim->devs[p->dev];
    uint64_t r = last_boot(d, a);
    for (int n = 0; r < b && n < 100000; n++) {
        down += overlap(r, r + d->boot_ticks, a, b);
        uint64_t next = boot_next_change(d, r + d->boot_ticks);
        if (next <= r)
            break;
        r = next;
    }
    return down >= b - a ? 0 : b - a - down;
}

/* Block b's number of events and frames per event: a Poisson count from the block's
 * expected weight and the ticks the port is up. O(1) in the events. */
static void block_draw(const struct sim *sim, const struct psim *p, int kind,
                       const struct evproc *ev, uint64_t b, uint64_t *n, uint64_t *size)
{
    *n = 0;
    *size = 1;
    uint64_t start = b * EVENT_BLOCK_TICKS;
    uint64_t up = ev->per_tick > 0.0 ? up_ticks(sim, p, start, start + EVENT_BLOCK_TICKS) : 0;
    if (!up)
        return;
    double mean_w = 0.0;
    for (int i = 0; i < 4; i++)
        mean_w += event_weight(sim, p, kind, start + (uint64_t)(2 * i + 1) * EVENT_BLOCK_TICKS / 8);
    mean_w /= 4.0;
    /* Frequent events (errors on a bad, busy link) are drawn as fewer, larger clusters so a
     * block never holds more than about EVENT_BLOCK_MAX of them. */
    double expected = ev->per_tick * mean_w * (double)up, cluster = 1.0;
    if (expected > EVENT_BLOCK_MAX) {
        cluster = expected / EVENT_BLOCK_MAX;
        expected = EVENT_BLOCK_MAX;
    }
    *n = poisson(hash3(ev->key, SALT_EVENTS, b), expected);
    double frames = floor(ev->size_mean * cluster + 0.5);
    *size = frames < 1.0 ? 1 : (frames > 1e12 ? 1000000000000ULL : (uint64_t)frames);
}

static size_t first_at(const struct evproc *ev, uint64_t t);

/* Places block b's events on ticks where the port is up, in proportion to the weight. */
static void block_place(const struct sim *sim, const struct psim *p, int kind, struct evproc *ev,
                        uint64_t b)
{
    uint64_t n;
    block_draw(sim, p, kind, ev, b, &n, &ev->size);
    ev->block = b;
    ev->n_ticks = 0;
    if (n > ev->cap_ticks) {
        ev->cap_ticks = n;
        ev->ticks = xrealloc(ev->ticks, n * sizeof(*ev->ticks));
    }
    uint64_t start = b * EVENT_BLOCK_TICKS, first_up = UINT64_MAX;
    const uint64_t seg_ticks = EVENT_BLOCK_TICKS / EVENT_SEGMENTS;
    double seg_w[EVENT_SEGMENTS], w_max = 0.0;
    for (int k = 0; k < EVENT_SEGMENTS && n; k++) {
        seg_w[k] = event_weight(sim, p, kind, start + (uint64_t)k * seg_ticks + seg_ticks / 2);
        w_max = seg_w[k] > w_max ? seg_w[k] : w_max;
    }
    uint64_t h = hash3(ev->key, SALT_EVENTS, b);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t hi = hash2(h, 1000 + i), t = UINT64_MAX;
        for (uint64_t try = 0; try < 64 && t == UINT64_MAX; try++) {
            uint64_t hv = hash2(hi, try), c = start + hv % EVENT_BLOCK_TICKS;
            if ((w_max <= 0.0 ||
                 unit_interval(hash2(hv, 1)) * w_max <= seg_w[(c - start) / seg_ticks]) &&
                port_up_at(sim, p, c))
                t = c;
        }
        if (t == UINT64_MAX) { /* the port is up somewhere in the block (n > 0 says so) */
            if (first_up == UINT64_MAX)
                for (first_up = start; first_up < start + EVENT_BLOCK_TICKS - 1; first_up++)
                    if (port_up_at(sim, p, first_up))
                        break;
            t = first_up;
        }
        ev->ticks[ev->n_ticks++] = t;
    }
    sort_ticks(ev->ticks, ev->n_ticks);
    ev->below_from = first_at(ev, ev->from);
    ev->cursor = 0;
    ev->cursor_tick = 0;
}

/* Index of the first placed event at or after tick t. */
static size_t first_at(const struct evproc *ev, uint64_t t)
{
    size_t lo = 0, hi = ev->n_ticks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ev->ticks[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Placed events before tick t: a cursor that moves forward as ticks advance (a search
 * only when asked for an earlier tick). */
static size_t placed_below(struct evproc *ev, uint64_t t)
{
    if (t < ev->cursor_tick)
        ev->cursor = first_at(ev, t);
    while (ev->cursor < ev->n_ticks && ev->ticks[ev->cursor] < t)
        ev->cursor++;
    ev->cursor_tick = t;
    return ev->cursor;
}

/* Frames of the placed events with from <= tick < to (from is the evproc's `from`). */
static uint64_t placed_between(struct evproc *ev, uint64_t to)
{
    size_t below = to == UINT64_MAX ? ev->n_ticks : placed_below(ev, to);
    return below > ev->below_from ? (uint64_t)(below - ev->below_from) * ev->size : 0;
}

/* Frames of the events with from <= tick < to (to > from). Whole blocks after `from` cost
 * one draw each; only the block holding `from` and the one holding `to` are placed. */
static uint64_t events_count(const struct sim *sim, const struct psim *p, int kind,
                             struct evproc *ev, uint64_t from, uint64_t to)
{
    if (ev->per_tick <= 0.0 || to <= from)
        return 0;
    uint64_t b_to = (to - 1) / EVENT_BLOCK_TICKS;
    if (!ev->valid || ev->from != from || ev->block > b_to) {
        ev->valid = 1;
        ev->from = from;
        ev->before = 0;
        block_place(sim, p, kind, ev, from / EVENT_BLOCK_TICKS);
    }
    if (ev->block < b_to) {
        ev->before += placed_between(ev, UINT64_MAX);
        for (uint64_t b = ev->block + 1; b < b_to; b++) {
            uint64_t n, size;
            block_draw(sim, p, kind, ev, b, &n, &size);
            ev->before += n * size;
        }
        block_place(sim, p, kind, ev, b_to);
    }
    return ev->before + placed_between(ev, to);
}

/* ---- state of ports and devices -------------------------------------------------------- */

static int port_up_at(const struct sim *sim, const struct psim *p, uint64_t t)
{
    if (admin_down_at(p, t) || booting_at(&sim->devs[p->dev], t))
        return 0;
    if (port_fault(p, CUT_KINDS, t, NULL)) /* on both ends of a link */
        return 0;
    if (p->link < 0)
        return !unit_down(&p->unit, t);
    if (unit_down(&sim->link_units[p->link], t))
        return 0;
    const struct psim *q = &sim->ports[p->peer];
    return !admin_down_at(q, t) && !booting_at(&sim->devs[q->dev], t);
}

/* ---- routing ----------------------------------------------------------------------------- */

static double skew(const struct sim *sim, size_t port)
{
    return 1.0 + ECMP_SKEW * (unit_interval(hash2(sim->ports[port].unit.key, SALT_SKEW)) - 0.5);
}

/* Component-local device index of global device d. */
static size_t local_of(const struct sim *sim, size_t d)
{
    return sim->comp_of_dev_local[d];
}

/* Recomputes the component's state at its epoch start e0: which ports are up, the
 * device weights and the routing coefficients. */
static void route(struct sim *sim, struct comp *c)
{
    const struct fleet *f = sim->fleet;
    size_t nd = c->n_devs;
    memset(c->coef, 0, c->n_flows * nd * sizeof(*c->coef));
    for (size_t i = 0; i < nd; i++) {
        c->up_dev[i] = !booting_at(&sim->devs[c->devs[i]], c->e0);
        c->weight[i] = c->weight_all[i] = 0.0;
    }
    for (size_t j = 0; j < c->n_edges; j++) {
        struct psim *p = &sim->ports[c->edges[j]];
        p->oper_up = (uint8_t)port_up_at(sim, p, c->e0);
        if (p->oper_up)
            c->weight[local_of(sim, p->dev)] += p->mu_out * p->line_wire;
        if (!admin_down_at(p, c->e0))
            c->weight_all[local_of(sim, p->dev)] += p->mu_out * p->line_wire;
    }
    for (size_t l = 0; l < c->n_links; l++) {
        const struct fleet_link *fl = &f->links[c->links[l]];
        uint8_t up = (uint8_t)port_up_at(sim, &sim->ports[fl->a], c->e0);
        sim->ports[fl->a].oper_up = up;
        sim->ports[fl->b].oper_up = up;
    }
    /* Reachability: label the up-graph's components; W of each. */
    for (size_t i = 0; i < nd; i++)
        c->label[i] = -1;
    double *reach_w = c->amount; /* reused below per label, sized nd */
    double *reach_all = xcalloc(nd, sizeof(double));
    for (size_t i = 0; i < nd; i++)
        reach_w[i] = 0.0;
    for (size_t s = 0; s < nd; s++) {
        if (c->label[s] >= 0 || !c->up_dev[s])
            continue;
        size_t head = 0, tail = 0;
        c->order[tail++] = s;
        c->label[s] = (int)s;
        while (head < tail) {
            size_t u = c->order[head++];
            reach_w[s] += c->weight[u];
            reach_all[s] += c->weight_all[u];
            for (size_t l = 0; l < c->n_links; l++) {
                const struct fleet_link *fl = &f->links[c->links[l]];
                if (!sim->ports[fl->a].oper_up)
                    continue;
                size_t da = local_of(sim, sim->ports[fl->a].dev),
                       db = local_of(sim, sim->ports[fl->b].dev);
                size_t v = da == u ? db : (db == u ? da : nd);
                if (v < nd && c->label[v] < 0) {
                    c->label[v] = (int)s;
                    c->order[tail++] = v;
                }
            }
        }
    }
    double *wreach = xcalloc(nd, sizeof(double));
    /* Hosts do not send to hosts whose link is down: a source's load shrinks by the share
     * of destinations that are down, so no port ever takes over another's share. */
    for (size_t i = 0; i < nd; i++) {
        wreach[i] = c->label[i] >= 0 ? reach_w[c->label[i]] : 0.0;
        double all = c->label[i] >= 0 ? reach_all[c->label[i]] : 0.0;
        c->phi[i] = all > 0.0 ? wreach[i] / all : 0.0;
    }
    free(reach_all);

    double *amount = xcalloc(nd, sizeof(double));
    for (size_t t = 0; t < nd; t++) {
        if (!c->up_dev[t] || c->weight[t] <= 0.0)
            continue;
        /* distances to t over up links */
        for (size_t i = 0; i < nd; i++)
            c->dist[i] = -1;
        size_t head = 0, tail = 0;
        c->dist[t] = 0;
        c->order[tail++] = t;
        while (head < tail) {
            size_t u = c->order[head++];
            for (size_t l = 0; l < c->n_links; l++) {
                const struct fleet_link *fl = &f->links[c->links[l]];
                if (!sim->ports[fl->a].oper_up)
                    continue;
                size_t da = local_of(sim, sim->ports[fl->a].dev),
                       db = local_of(sim, sim->ports[fl->b].dev);
                size_t v = da == u ? db : (db == u ? da : nd);
                if (v < nd && c->dist[v] < 0) {
                    c->dist[v] = c->dist[u] + 1;
                    c->order[tail++] = v;
                }
            }
        }
        /* c->order[0..tail) is in increasing distance; walk it backwards per source */
        for (size_t s = 0; s < nd; s++) {
            if (c->dist[s] < 0 || wreach[s] <= 0.0)
                continue;
            double g = c->weight[t] / wreach[s];
            for (size_t i = 0; i < nd; i++)
                amount[i] = 0.0;
            amount[s] = 1.0;
            for (size_t k = tail; k-- > 1;) {
                size_t u = c->order[k];
                if (amount[u] == 0.0)
                    continue;
                double total = 0.0;
                for (size_t l = 0; l < c->n_links; l++) {
                    const struct fleet_link *fl = &f->links[c->links[l]];
                    if (!sim->ports[fl->a].oper_up)
                        continue;
                    size_t da = local_of(sim, sim->ports[fl->a].dev),
                           db = local_of(sim, sim->ports[fl->b].dev);
                    if (da == u && c->dist[db] == c->dist[u] - 1)
                        total += skew(sim, fl->a);
                    else if (db == u && c->dist[da] == c->dist[u] - 1)
                        total += skew(sim, fl->b);
                }
                for (size_t l = 0; l < c->n_links; l++) {
                    const struct fleet_link *fl = &f->links[c->links[l]];
                    if (!sim->ports[fl->a].oper_up)
                        continue;
                    size_t da = local_of(sim, sim->ports[fl->a].dev),
                           db = local_of(sim, sim->ports[fl->b].dev);
                    if (da == u && c->dist[db] == c->dist[u] - 1) {
                        double part = amount[u] * skew(sim, fl->a) / total;
                        c->coef[(2 * l) * nd + s] += g * part; /* a -> b */
                        amount[db] += part;
                    } else if (db == u && c->dist[da] == c->dist[u] - 1) {
                        double part = amount[u] * skew(sim, fl->b) / total;
                        c->coef[(2 * l + 1) * nd + s] += g * part; /* b -> a */
                        amount[da] += part;
                    }
                }
            }
            /* delivered at t: to its up host ports in proportion to their weights */
            for (size_t j = 0; j < c->n_edges; j++) {
                const struct psim *p = &sim->ports[c->edges[j]];
                if (p->oper_up && local_of(sim, p->dev) == t)
                    c->coef[(2 * c->n_links + j) * nd + s] +=
                        g * p->mu_out * p->line_wire / c->weight[t];
            }
        }
    }
    free(amount);
    free(wreach);
}

/* Ingress since e0 per local device, at tick t (t >= e0); each host port's own into
 * per_edge[j] when per_edge is not NULL. */
static void device_ingress(const struct sim *sim, struct comp *c, uint64_t t,
                           struct amount *per_edge)
{
    for (size_t i = 0; i < c->n_devs; i++)
        c->din_wire[i] = c->din_pkts[i] = 0.0L;
    for (size_t j = 0; j < c->n_edges; j++) {
        const struct psim *p = &sim->ports[c->edges[j]];
        struct amount a = {0.0L, 0.0L};
        if (p->oper_up) {
            size_t d = local_of(sim, p->dev);
            a = ingress_between(sim, p, c->e0, t);
            a.wire *= c->phi[d];
            a.pkts *= c->phi[d];
            c->din_wire[d] += a.wire;
            c->din_pkts[d] += a.pkts;
        }
        if (per_edge)
            per_edge[j] = a;
    }
}

static struct amount flow_amount(const struct comp *c, size_t fi)
{
    struct amount a = {0.0L, 0.0L};
    const double *row = &c->coef[fi * c->n_devs];
    for (size_t i = 0; i < c->n_devs; i++)
        if (row[i] != 0.0) {
            a.wire += (long double)row[i] * c->din_wire[i];
            a.pkts += (long double)row[i] * c->din_pkts[i];
        }
    return a;
}

/* Whole units of a non-negative amount. Through double: converting an x87 long double to
 * an integer switches the FPU's rounding mode, which made this the hottest line. Rounding
 * to double is monotonic, so counters still never go back, and both ends of a link still
 * round the very same value. */
static uint64_t whole(long double x)
{
    double d = (double)x;
    return d <= 0.0 ? 0 : (d >= 1.8e19 ? UINT64_MAX : (uint64_t)d);
}

/* Whole frames of port p's egress flow in [e0, t) of the component's current epoch.
 * Overwrites the component's per-device ingress scratch. */
static uint64_t egress_frames_since_e0(const struct sim *sim, struct comp *c, const struct psim *p,
                                       uint64_t t)
{
    if (t <= c->e0)
        return 0;
    device_ingress(sim, c, t, NULL);
    return whole(flow_amount(c, (size_t)p->flow_tx).pkts);
}

/* Adds what the port's faults did in [a, b) (within the current epoch) to *out: congestion
 * drops (the undrained part of what was offered), error bursts while up, and broadcast
 * storms: frames entering at the storm's port while it is up, flooded out of every other
 * up host-facing port of its device (a leaf's L2 domain; routed fabric links do not carry
 * broadcasts). These faults change no link or port state, so they are no epoch boundary
 * (splitting epochs would move the whole-frame rounding of every port). */
static void port_fault_effects(const struct sim *sim, struct comp *c, const struct psim *p,
                               uint64_t a, uint64_t b, struct fault_counts *out)
{
    for (size_t i = 0; i < p->n_faults; i++) {
        const struct fault *f = p->faults[i];
        if (f->kind == FAULT_ERROR_BURST && p->oper_up)
            out->errors += burst_errors(sim, f, fault_active_ticks(f, a, b));
        if (f->kind == FAULT_BROADCAST_STORM && p->oper_up) {
            const struct psim *src = &sim->ports[f->port];
            uint64_t n = burst_errors(sim, f, fault_active_ticks(f, a, b));
            if (src == p)
                out->storm_rx += n;
            else if (p->link < 0 && src->oper_up)
                out->storm_tx += n;
        }
        if (f->kind != FAULT_CONGESTION || p->flow_tx < 0)
            continue;
        for (uint64_t t = a; t < b;) {
            uint64_t next = fault_next_change(f, t);
            uint64_t hi = next < b ? next : b;
            if (fault_active(f, t))
                out->drops += congestion_drops(f, egress_frames_since_e0(sim, c, p, hi) -
                                                      egress_frames_since_e0(sim, c, p, t));
            t = hi;
        }
    }
}

/* Closes the epoch [e0, b): adds its whole frames and bytes to every port end. */
static void close_epoch(struct sim *sim, struct comp *c, uint64_t b)
{
    struct amount *edge = xcalloc(c->n_edges + 1, sizeof(*edge));
    device_ingress(sim, c, b, edge);
    for (size_t j = 0; j < c->n_edges; j++) {
        struct psim *p = &sim->ports[c->edges[j]];
        p->acc_rx_wire += whole(edge[j].wire);
        p->acc_rx_pkts += whole(edge[j].pkts);
    }
    free(edge);
    for (size_t fi = 0; fi < c->n_flows; fi++) {
        struct amount a = flow_amount(c, fi);
        uint64_t w = whole(a.wire), n = whole(a.pkts);
        if (c->flows[fi].tx_port >= 0) {
            struct psim *p = &sim->ports[c->flows[fi].tx_port];
            p->acc_tx_wire += w;
            p->acc_tx_pkts += n;
        }
        if (c->flows[fi].rx_port >= 0) {
            sim->ports[c->flows[fi].rx_port].acc_rx_wire += w;
            sim->ports[c->flows[fi].rx_port].acc_rx_pkts += n;
        }
    }
    for (size_t i = 0; i < c->n_devs; i++) {
        const struct device *dev = &sim->fleet->devices[c->devs[i]];
        for (size_t q = 0; q < dev->n_ports; q++) {
            struct psim *p = &sim->ports[dev->first_port_index + q];
            if (p->n_faults)
                port_fault_effects(sim, c, p, c->e0, b, &p->acc_fault);
        }
    }
}

static void reset_device(struct sim *sim, size_t d)
{
    const struct device *dev = &sim->fleet->devices[d];
    for (size_t k = 0; k < dev->n_ports; k++) {
        struct psim *p = &sim->ports[dev->first_port_index + k];
        p->acc_rx_wire = p->acc_rx_pkts = p->acc_tx_wire = p->acc_tx_pkts = 0;
        p->acc_transitions = 0;
        memset(&p->acc_fault, 0, sizeof(p->acc_fault));
        p->oper_up = 0; /* the new boot starts with every port down */
    }
}

static uint64_t comp_next_change(const struct sim *sim, const struct comp *c, uint64_t b);

/* Starts an epoch at b: device resets, new state, transitions, routing, cached g0. */
static void open_epoch(struct sim *sim, struct comp *c, uint64_t b)
{
    for (size_t i = 0; i < c->n_devs; i++)
        if (last_boot(&sim->devs[c->devs[i]], b) == b)
            reset_device(sim, c->devs[i]);
    /* remember the old operational states to count transitions */
    const struct fleet *f = sim->fleet;
    size_t n_ports = 0;
    for (size_t i = 0; i < c->n_devs; i++)
        n_ports += f->devices[c->devs[i]].n_ports;
    uint8_t *old = xcalloc(n_ports ? n_ports : 1, 1);
    size_t k = 0;
    for (size_t i = 0; i < c->n_devs; i++) {
        const struct device *dev = &f->devices[c->devs[i]];
        for (size_t q = 0; q < dev->n_ports; q++)
            old[k++] = sim->ports[dev->first_port_index + q].oper_up;
    }
    c->e0 = b;
    route(sim, c);
    k = 0;
    for (size_t i = 0; i < c->n_devs; i++) {
        const struct device *dev = &f->devices[c->devs[i]];
        for (size_t q = 0; q < dev->n_ports; q++) {
            struct psim *p = &sim->ports[dev->first_port_index + q];
            if (p->oper_up != old[k++])
                p->acc_transitions++;
        }
    }
    free(old);
    for (size_t j = 0; j < c->n_edges; j++) {
        struct psim *p = &sim->ports[c->edges[j]];
        p->g0 = ingress_rest(sim, p, b);
    }
    c->next_change = comp_next_change(sim, c, b);
}

/* The first tick after b at which anything in the component changes state. */
static uint64_t comp_next_change(const struct sim *sim, const struct comp *c, uint64_t b)
{
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < c->n_devs; i++) {
        uint64_t n = boot_next_change(&sim->devs[c->devs[i]], b);
        if (n < next)
            next = n;
    }
    for (size_t j = 0; j < c->n_edges; j++) {
        uint64_t n = unit_next_change(&sim->ports[c->edges[j]].unit, b);
        if (n < next)
            next = n;
    }
    for (size_t l = 0; l < c->n_links; l++) {
        uint64_t n = unit_next_change(&sim->link_units[c->links[l]], b);
        if (n < next)
            next = n;
    }
    for (size_t i = 0; i < c->n_devs; i++) {
        const struct device *dev = &sim->fleet->devices[c->devs[i]];
        for (size_t q = 0; q < dev->n_ports; q++) {
            const struct psim *p = &sim->ports[dev->first_port_index + q];
            for (size_t k = 0; k < p->n_faults; k++) {
                if (!((CUT_KINDS | KIND(FAULT_ADMIN_DOWN)) & KIND(p->faults[k]->kind)))
                    continue; /* the others change no state: port_fault_effects */
                uint64_t n = fault_next_change(p->faults[k], b);
                if (n < next)
                    next = n;
            }
        }
    }
    return next;
}

/* Positions the component at tick t from scratch: from the earliest boot of its devices,
 * through every state change, as any process would. */
static void seek_comp(struct sim *sim, struct comp *c, uint64_t t)
{
    uint64_t start = UINT64_MAX;
    for (size_t i = 0; i < c->n_devs; i++) {
        uint64_t r = last_boot(&sim->devs[c->devs[i]], t);
        if (r < start)
            start = r;
    }
    for (size_t i = 0; i < c->n_devs; i++)
        reset_device(sim, c->devs[i]);
    open_epoch(sim, c, start);
    while (c->next_change <= t) {
        uint64_t b = c->next_change;
        close_epoch(sim, c, b);
        open_epoch(sim, c, b);
    }
}

static void advance_comp(struct sim *sim, struct comp *c, uint64_t t)
{
    while (c->next_change <= t) {
        uint64_t b = c->next_change;
        close_epoch(sim, c, b);
        open_epoch(sim, c, b);
    }
}

/* ---- values at the current tick -------------------------------------------------------- */

static uint64_t frac_of(uint64_t n, double share)
{
    return (uint64_t)floor((double)n * share);
}

static uint64_t queue_bytes(const struct psim *p, double rho, uint64_t t)
{
    uint64_t h = hash3(p->unit.key, SALT_QUEUE, t);
    if (unit_interval(h) >= rho)
        return 0;
    double q = -log(unit_interval(hash2(h, 1))) * burst_scale(p, rho) / 2.0;
    return q >= p->cap_bytes ? (uint64_t)p->cap_bytes : (uint64_t)q;
}

/* Peak queue during the tick: the largest of its microbursts (if any), at least the level
 * at either end, full when the tick had drops, below full otherwise. */
static uint64_t watermark_bytes(const struct psim *p, double rho, uint64_t t, uint64_t floor_bytes,
                                int dropped)
{
    if (dropped)
        return (uint64_t)p->cap_bytes;
    double lambda = p->bursts_per_tick * rho;
    double xm = burst_scale(p, rho);
    if (lambda <= 0.0 || xm <= 0.0)
        return floor_bytes;
    /* x^-1.5 and x^(1/1.5) written out (BURST_ALPHA = 1.5): pow() was the hottest call */
    double r = p->cap_bytes / xm;
    double p_below_cap = exp(-lambda / (r * sqrt(r)));
    double u = unit_interval(hash3(p->unit.key, SALT_BURST, t)) * p_below_cap;
    if (u <= exp(-lambda))
        return floor_bytes; /* no microburst in this tick */
    double q = lambda / -log(u);
    double x = xm * cbrt(q * q);
    uint64_t wm = x >= p->cap_bytes ? (uint64_t)p->cap_bytes - 1 : (uint64_t)x;
    return wm > floor_bytes ? wm : floor_bytes;
}

static void snapshot_comp(struct sim *sim, struct comp *c, uint64_t t)
{
    /* amounts at t and, within the epoch, at t - 1 (rates of the tick); advancing one tick
     * at a time, t - 1's are the previous snapshot's (the same numbers, computed once) */
    size_t nf = c->n_flows, ne = c->n_edges;
    if (!c->snap_now) {
        c->snap_now = xcalloc(nf + ne + 1, sizeof(*c->snap_now));
        c->snap_prev = xcalloc(nf + ne + 1, sizeof(*c->snap_prev));
    }
    int have_prev = t > c->e0;
    int reuse = have_prev && c->snap_valid && c->snap_tick + 1 == t && c->snap_e0 == c->e0;
    struct amount *now = c->snap_prev, *prev = c->snap_now; /* swap: last now is this prev */
    c->snap_now = now;
    c->snap_prev = prev;
    device_ingress(sim, c, t, now + nf);
    for (size_t fi = 0; fi < nf; fi++)
        now[fi] = flow_amount(c, fi);
    if (have_prev && !reuse) {
        device_ingress(sim, c, t - 1, prev + nf);
        for (size_t fi = 0; fi < nf; fi++)
            prev[fi] = flow_amount(c, fi);
    }
    c->snap_valid = 1;
    c->snap_tick = t;
    c->snap_e0 = c->e0;
    for (size_t i = 0; i < c->n_devs; i++) {
        size_t d = c->devs[i];
        const struct devsim *dv = &sim->devs[d];
        uint64_t boot = last_boot(dv, t);
        sim->dev_out[d] = (struct device_state){boot, (uint8_t)(t < boot + dv->boot_ticks)};
        const struct device *dev = &sim->fleet->devices[d];
        for (size_t q = 0; q < dev->n_ports; q++) {
            size_t pi = dev->first_port_index + q;
            struct psim *p = &sim->ports[pi];
            struct port_state *o = &sim->out[pi];
            memset(o, 0, sizeof(*o));
            o->admin_up = !admin_down_at(p, t);
            o->link_up = p->oper_up;
            o->carrier_transitions = p->acc_transitions;
            /* receive side */
            uint64_t rx_wire = p->acc_rx_wire, rx_pkts = p->acc_rx_pkts;
            double rx_rate = 0.0, tx_rate = 0.0;
            long rxi = p->flow_rx >= 0 ? p->flow_rx : (long)(nf + (size_t)p->edge);
            rx_wire += whole(now[rxi].wire);
            rx_pkts += whole(now[rxi].pkts);
            if (have_prev)
                rx_rate = (double)(now[rxi].wire - prev[rxi].wire) / p->line_wire;
            o->rx_packets = rx_pkts;
            o->rx_bytes = rx_wire - SIM_WIRE_OVERHEAD_BYTES * rx_pkts;
            o->rx_multicast_packets = frac_of(rx_pkts, p->mc_share);
            o->rx_broadcast_packets = frac_of(rx_pkts, p->bc_share);
            /* transmit side */
            uint64_t tx_wire = p->acc_tx_wire + whole(now[p->flow_tx].wire);
            uint64_t tx_pkts = p->acc_tx_pkts + whole(now[p->flow_tx].pkts);
            uint64_t off_inc = 0;
            if (have_prev) {
                tx_rate = (double)(now[p->flow_tx].wire - prev[p->flow_tx].wire) / p->line_wire;
                off_inc = whole(now[p->flow_tx].pkts) - whole(prev[p->flow_tx].pkts);
            }
            uint64_t boot_from = boot;
            const struct fault *cong = NULL;
            struct fault_counts fc = p->acc_fault, fc_before = p->acc_fault;
            if (p->n_faults) {
                port_fault(p, KIND(FAULT_CONGESTION), t, &cong);
                port_fault_effects(sim, c, p, c->e0, t, &fc);
                if (have_prev)
                    port_fault_effects(sim, c, p, c->e0, t - 1, &fc_before);
            }
            uint64_t fault_drops = fc.drops, fault_drops_before = fc_before.drops;
            if (p->link < 0) { /* host-facing: events and the queue */
                o->rx_errors =
                    events_count(sim, p, EV_RX_ERRORS, &p->ev[EV_RX_ERRORS], boot_from, t);
                o->rx_discards =
                    events_count(sim, p, EV_RX_DISCARDS, &p->ev[EV_RX_DISCARDS], boot_from, t);
                uint64_t drops = events_count(sim, p, EV_DROPS, &p->ev[EV_DROPS], boot_from, t);
                uint64_t drops_before =
                    t > boot_from
                        ? events_count(sim, p, EV_DROPS, &p->ev[EV_DROPS], boot_from, t - 1)
                        : 0;
                o->tx_errors =
                    events_count(sim, p, EV_TX_ERRORS, &p->ev[EV_TX_ERRORS], boot_from, t);
                drops += fault_drops;
                drops_before += fault_drops_before;
                if (cong) /* drains at 1/factor: the rest of what is offered is dropped */
                    tx_rate /= cong->param[FAULT_P_FACTOR];
                double avg_frame = tx_pkts ? (double)(tx_wire - SIM_WIRE_OVERHEAD_BYTES * tx_pkts) /
                                                 (double)tx_pkts
                                           : p->bulk_wire - SIM_WIRE_OVERHEAD_BYTES;
                uint64_t q_pkts = 0;
                if (p->oper_up && have_prev && tx_rate > 0.0) {
                    double rho = cong || tx_rate > 1.0 ? 1.0 : tx_rate;
                    uint64_t qb = queue_bytes(p, rho, t);
                    q_pkts = (uint64_t)((double)qb / avg_frame);
                    if (q_pkts > off_inc / 2)
                        q_pkts = off_inc / 2;
                }
                uint64_t lost = drops + o->tx_errors + q_pkts;
                o->tx_offered_packets = tx_pkts;
                uint64_t sent = tx_pkts > lost ? tx_pkts - lost : 0;
                o->tx_drops = drops;
                o->buffer_level_bytes = (uint64_t)((double)q_pkts * avg_frame);
                o->buffer_watermark_bytes =
                    p->oper_up ? watermark_bytes(p, tx_rate, t, o->buffer_level_bytes,
                                                 drops > drops_before)
                               : 0;
                uint64_t tx_bytes = tx_wire - SIM_WIRE_OVERHEAD_BYTES * tx_pkts;
                o->tx_bytes = tx_bytes > (uint64_t)((double)lost * avg_frame)
                                  ? tx_bytes - (uint64_t)((double)lost * avg_frame)
                                  : 0;
                o->tx_packets = sent;
            } else {
                o->tx_offered_packets = tx_pkts;
                o->tx_packets = tx_pkts;
                o->tx_bytes = tx_wire - SIM_WIRE_OVERHEAD_BYTES * tx_pkts;
                o->buffer_watermark_bytes = p->oper_up ? watermark_bytes(p, tx_rate, t, 0, 0) : 0;
            }
            o->rx_errors += fc.errors;
            o->tx_multicast_packets = frac_of(o->tx_packets, p->mc_share);
            o->tx_broadcast_packets = frac_of(o->tx_packets, p->bc_share);
            if (fc.storm_rx || fc.storm_tx) { /* minimum-size broadcast frames */
                o->rx_packets += fc.storm_rx;
                o->rx_broadcast_packets += fc.storm_rx;
                o->rx_bytes += SIM_MIN_FRAME_BYTES * fc.storm_rx;
                o->tx_packets += fc.storm_tx;
                o->tx_offered_packets += fc.storm_tx;
                o->tx_broadcast_packets += fc.storm_tx;
                o->tx_bytes += SIM_MIN_FRAME_BYTES * fc.storm_tx;
                double wire =
                    (double)(SIM_MIN_FRAME_BYTES + SIM_WIRE_OVERHEAD_BYTES) / p->line_wire;
                rx_rate += (double)(fc.storm_rx - fc_before.storm_rx) * wire;
                tx_rate += (double)(fc.storm_tx - fc_before.storm_tx) * wire;
            }
            o->rx_utilization = (float)rx_rate;
            o->tx_utilization = (float)tx_rate;
        }
    }
}

/* ---- construction ------------------------------------------------------------------------ */

static double lognormal_share(uint64_t key, double sigma)
{
    double u1 = unit_interval(hash2(key, SALT_MEAN)),
           u2 = unit_interval(hash2(key, SALT_MEAN + 100));
    double z = sqrt(-2.0 * log(u1)) * cos(TWO_PI * u2);
    return exp(sigma * z - sigma * sigma / 2.0);
}

static uint64_t name_key(uint64_t seed, const char *device, const char *port)
{
    return rng_hash_str(rng_hash_str(seed, device), port);
}

static void port_init(struct sim *sim, struct psim *p, const struct device *dev, size_t k,
                      size_t dev_index)
{
    const struct port_spec *spec = dev->ports[k].spec;
    const struct traffic_model *tm = &spec->traffic;
    double tick_s = (double)sim->tick_ms / 1000.0;
    uint64_t key = name_key(sim->seed, dev->name, dev->ports[k].name);
    p->dev = dev_index;
    p->link = p->peer = p->flow_rx = p->edge = -1;
    p->admin_down = (uint8_t)spec->admin_down;
    unit_init(&p->unit, key, &spec->link, sim->tick_ms);
    p->swing = tm->daily_swing;
    double noise = tm->noise + tm->daily_swing > 1.0 ? 1.0 - tm->daily_swing : tm->noise;
    double mu_max = MAX_UTIL / (1.0 + p->swing + noise);
    p->mu_in = tm->utilization * lognormal_share(key, tm->port_spread);
    if (p->mu_in > mu_max)
        p->mu_in = mu_max;
    p->mu_out = tm->utilization * lognormal_share(hash2(key, 5), tm->port_spread);
    if (p->mu_out > mu_max)
        p->mu_out = mu_max;
    if (p->mu_out < 1e-6)
        p->mu_out = 1e-6;
    /* each port peaks within +-1 h of the profile's hour */
    double peak_h = tm->peak_hour_utc + 2.0 * unit_interval(hash2(key, 6)) - 1.0;
    double phi = -TWO_PI * peak_h / 24.0;
    p->cos_phi = cos(phi);
    p->sin_phi = sin(phi);
    static const double octave_share[NOISE_OCTAVES] = {0.5, 0.3, 0.2};
    static const uint64_t octave_div[NOISE_OCTAVES] = {1, 6, 36};
    uint64_t period0 = tm->noise_period_ms / sim->tick_ms;
    for (int o = 0; o < NOISE_OCTAVES; o++) {
        uint64_t period = period0 / octave_div[o];
        p->period[o] = period < 2 ? 2 : period;
        p->offset[o] = hash2(key, 10 + (uint64_t)o) % p->period[o];
        p->amp[o] = noise * octave_share[o] * p->mu_in * (double)p->period[o] / 3.0;
    }
    p->line_wire = (double)spec->speed_bps / 8.0 * tick_s;
    p->bulk_wire = (double)(tm->packet_size_bytes + SIM_WIRE_OVERHEAD_BYTES);
    p->small_per_tick = SMALL_SHARE * p->mu_in * (1.0 - p->swing - noise) * p->line_wire /
                        (SMALL_FRAME_BYTES + SIM_WIRE_OVERHEAD_BYTES);
    p->mc_share = 0.002 + 0.008 * unit_interval(hash2(key, 7));
    p->bc_share = 0.0002 + 0.0018 * unit_interval(hash2(key, 8));
    p->cap_bytes = (double)spec->buffer_capacity_bytes;
    p->burst_bytes = (double)tm->microburst_bytes;
    p->bursts_per_tick = tm->microbursts_per_s * tick_s;
    p->bad = unit_interval(hash2(key, 9)) < tm->bad_link_share;
    double frames_per_tick = p->line_wire / p->bulk_wire;
    for (int e = 0; e < EV_KINDS; e++)
        p->ev[e].key = hash2(key, 20 + (uint64_t)e);
    double drop_size = p->cap_bytes / (p->bulk_wire - SIM_WIRE_OVERHEAD_BYTES) / 4.0;
    double drop_size_max = 0.01 * p->mu_out * frames_per_tick;
    p->ev[EV_DROPS].per_tick = p->bursts_per_tick;
    p->ev[EV_DROPS].size_mean = drop_size < drop_size_max ? drop_size : drop_size_max;
    if (p->ev[EV_DROPS].size_mean < 1.0)
        p->ev[EV_DROPS].size_mean = 1.0;
    if (p->bad) {
        p->ev[EV_TX_ERRORS].per_tick = tm->error_ratio * frames_per_tick / 2.0;
        p->ev[EV_RX_ERRORS].per_tick = tm->error_ratio * frames_per_tick / 2.0;
    }
    p->ev[EV_TX_ERRORS].size_mean = p->ev[EV_RX_ERRORS].size_mean = 2.0;
    if (unit_interval(hash2(key, 11)) < DISCARD_SHARE)
        p->ev[EV_RX_DISCARDS].per_tick = DISCARDS_PER_HOUR * tick_s / 3600.0;
    p->ev[EV_RX_DISCARDS].size_mean = 3.0;
}

static void devsim_init(const struct sim *sim, struct devsim *d, const struct device *dev)
{
    memset(d, 0, sizeof(*d));
    d->key = rng_hash_str(sim->seed ^ 0x5bd1e995ULL, dev->name);
    uint64_t grid = GRID_MS / sim->tick_ms;
    if (dev->reboot_mtbf_ms) {
        double mtbf = (double)dev->reboot_mtbf_ms / (double)sim->tick_ms;
        double window = floor(mtbf / 4.0);
        d->window = window < 2.0 ? 2 : (uint64_t)window;
        d->p_reboot = (double)d->window / (mtbf < 1.0 ? 1.0 : mtbf);
        if (d->p_reboot > 1.0)
            d->p_reboot = 1.0;
        d->grid = d->window * REBOOT_GRID_N;
        if (d->grid > ((uint64_t)1 << 40))
            d->grid = (uint64_t)1 << 40;
    } else {
        d->grid = grid ? grid : 1;
    }
    d->grid_offset = hash2(d->key, 1) % d->grid;
    d->boot_ticks = (dev->boot_duration_ms + sim->tick_ms - 1) / sim->tick_ms;
}

static size_t find_root(size_t *parent, size_t x)
{
    while (parent[x] != x)
        x = parent[x] = parent[parent[x]];
    return x;
}

static void build_components(struct sim *sim)
{
    const struct fleet *f = sim->fleet;
    size_t nd = f->n_devices;
    size_t *parent = xcalloc(nd ? nd : 1, sizeof(size_t));
    for (size_t d = 0; d < nd; d++)
        parent[d] = d;
    for (size_t l = 0; l < f->n_links; l++) {
        size_t a = find_root(parent, sim->ports[f->links[l].a].dev);
        size_t b = find_root(parent, sim->ports[f->links[l].b].dev);
        if (a != b)
            parent[a < b ? b : a] = a < b ? a : b;
    }
    size_t *comp_of_root = xcalloc(nd ? nd : 1, sizeof(size_t));
    for (size_t d = 0; d < nd; d++)
        comp_of_root[d] = SIZE_MAX;
    sim->comps = xcalloc(nd ? nd : 1, sizeof(struct comp));
    /* count first, then fill: arrays sized once (growing them one by one is quadratic) */
    size_t *cap_devs = xcalloc(nd ? nd : 1, sizeof(size_t));
    size_t *cap_edges = xcalloc(nd ? nd : 1, sizeof(size_t));
    size_t *cap_links = xcalloc(nd ? nd : 1, sizeof(size_t));
    for (size_t d = 0; d < nd; d++) {
        size_t r = find_root(parent, d);
        if (comp_of_root[r] == SIZE_MAX)
            comp_of_root[r] = sim->n_comps++;
        size_t ci = comp_of_root[r];
        sim->devs[d].comp = ci;
        cap_devs[ci]++;
        const struct device *dev = &f->devices[d];
        for (size_t k = 0; k < dev->n_ports; k++)
            cap_edges[ci] += sim->ports[dev->first_port_index + k].link < 0;
    }
    for (size_t l = 0; l < f->n_links; l++)
        cap_links[sim->devs[sim->ports[f->links[l].a].dev].comp]++;
    for (size_t ci = 0; ci < sim->n_comps; ci++) {
        sim->comps[ci].devs = xcalloc(cap_devs[ci] ? cap_devs[ci] : 1, sizeof(size_t));
        sim->comps[ci].edges = xcalloc(cap_edges[ci] ? cap_edges[ci] : 1, sizeof(size_t));
        sim->comps[ci].links = xcalloc(cap_links[ci] ? cap_links[ci] : 1, sizeof(size_t));
    }
    free(cap_devs);
    free(cap_edges);
    free(cap_links);
    for (size_t d = 0; d < nd; d++) {
        struct comp *c = &sim->comps[sim->devs[d].comp];
        sim->comp_of_dev_local[d] = c->n_devs;
        c->devs[c->n_devs++] = d;
        const struct device *dev = &f->devices[d];
        for (size_t k = 0; k < dev->n_ports; k++) {
            size_t pi = dev->first_port_index + k;
            if (sim->ports[pi].link < 0) {
                sim->ports[pi].edge = (long)c->n_edges;
                c->edges[c->n_edges++] = pi;
            }
        }
    }
    for (size_t l = 0; l < f->n_links; l++) {
        struct comp *c = &sim->comps[sim->devs[sim->ports[f->links[l].a].dev].comp];
        c->links[c->n_links++] = l;
    }
    for (size_t ci = 0; ci < sim->n_comps; ci++) {
        struct comp *c = &sim->comps[ci];
        c->n_flows = 2 * c->n_links + c->n_edges;
        c->flows = xcalloc(c->n_flows ? c->n_flows : 1, sizeof(struct flow));
        for (size_t l = 0; l < c->n_links; l++) {
            const struct fleet_link *fl = &f->links[c->links[l]];
            c->flows[2 * l] = (struct flow){(long)fl->a, (long)fl->b, sim->ports[fl->a].line_wire};
            c->flows[2 * l + 1] =
                (struct flow){(long)fl->b, (long)fl->a, sim->ports[fl->b].line_wire};
            sim->ports[fl->a].flow_tx = (long)(2 * l);
            sim->ports[fl->a].flow_rx = (long)(2 * l + 1);
            sim->ports[fl->b].flow_tx = (long)(2 * l + 1);
            sim->ports[fl->b].flow_rx = (long)(2 * l);
        }
        for (size_t j = 0; j < c->n_edges; j++) {
            size_t pi = c->edges[j];
            c->flows[2 * c->n_links + j] = (struct flow){(long)pi, -1, sim->ports[pi].line_wire};
            sim->ports[pi].flow_tx = (long)(2 * c->n_links + j);
        }
        size_t n = c->n_devs;
        c->coef = xcalloc((c->n_flows ? c->n_flows : 1) * n, sizeof(double));
        c->din_wire = xcalloc(n, sizeof(long double));
        c->din_pkts = xcalloc(n, sizeof(long double));
        c->weight = xcalloc(n, sizeof(double));
        c->weight_all = xcalloc(n, sizeof(double));
        c->phi = xcalloc(n, sizeof(double));
        c->up_dev = xcalloc(n, sizeof(int));
        c->dist = xcalloc(n, sizeof(int));
        c->label = xcalloc(n, sizeof(int));
        c->amount = xcalloc(n, sizeof(double));
        c->order = xcalloc(n, sizeof(size_t));
    }
    free(comp_of_root);
    free(parent);
}

/* Scales each component's ingress down, if needed, so that with everything up no host
 * port is offered more than MAX_UTIL and no link carries more than FABRIC_HEADROOM. */
static void fit_load(struct sim *sim, struct comp *c)
{
    /* route as if everything were up: devices not booting, links and ports up */
    const struct fleet *f = sim->fleet;
    size_t nd = c->n_devs;
    struct unit *saved_units = xcalloc(c->n_edges + c->n_links + 1, sizeof(struct unit));
    struct devsim *saved_devs = xcalloc(nd, sizeof(struct devsim));
    for (size_t j = 0; j < c->n_edges; j++) {
        saved_units[j] = sim->ports[c->edges[j]].unit;
        sim->ports[c->edges[j]].unit.window = 0;
        sim->ports[c->edges[j]].unit.pinned_down = 0;
    }
    for (size_t l = 0; l < c->n_links; l++) {
        saved_units[c->n_edges + l] = sim->link_units[c->links[l]];
        sim->link_units[c->links[l]].window = 0;
        sim->link_units[c->links[l]].pinned_down = 0;
    }
    for (size_t i = 0; i < nd; i++) {
        saved_devs[i] = sim->devs[c->devs[i]];
        sim->devs[c->devs[i]].boot_ticks = 0;
    }
    c->e0 = 0;
    route(sim, c);
    double *max_in = xcalloc(nd, sizeof(double));
    for (size_t j = 0; j < c->n_edges; j++) {
        const struct psim *p = &sim->ports[c->edges[j]];
        if (!p->admin_down)
            max_in[local_of(sim, p->dev)] += p->mu_in * (1.0 + p->swing) * p->line_wire * 1.0 +
                                             p->amp[0] * 3.0 / (double)p->period[0] * p->line_wire +
                                             p->amp[1] * 3.0 / (double)p->period[1] * p->line_wire +
                                             p->amp[2] * 3.0 / (double)p->period[2] * p->line_wire;
    }
    double factor = 1.0;
    for (size_t fi = 0; fi < c->n_flows; fi++) {
        double peak = 0.0;
        for (size_t i = 0; i < nd; i++)
            peak += c->coef[fi * nd + i] * max_in[i];
        double limit = (fi < 2 * c->n_links ? FABRIC_HEADROOM : MAX_UTIL) * c->flows[fi].line_wire;
        if (peak > limit && limit / peak < factor)
            factor = limit / peak;
    }
    if (factor < 1.0)
        for (size_t j = 0; j < c->n_edges; j++) {
            struct psim *p = &sim->ports[c->edges[j]];
            p->mu_in *= factor;
            p->small_per_tick *= factor;
            for (int o = 0; o < NOISE_OCTAVES; o++)
                p->amp[o] *= factor;
        }
    for (size_t j = 0; j < c->n_edges; j++)
        sim->ports[c->edges[j]].unit = saved_units[j];
    for (size_t l = 0; l < c->n_links; l++)
        sim->link_units[c->links[l]] = saved_units[c->n_edges + l];
    for (size_t i = 0; i < nd; i++)
        sim->devs[c->devs[i]] = saved_devs[i];
    (void)f;
    free(max_in);
    free(saved_devs);
    free(saved_units);
}

/* Points each port's and device's fault list into sim->faults: a cut or flap on a port in a
 * link is on both of its ends; admin down, congestion and error bursts on the port itself;
 * reboots on the device. Probe faults do not touch the simulation. */
static void index_faults(struct sim *sim)
{
    const struct fleet *fleet = sim->fleet;
    for (size_t i = 0; i < fleet->n_ports; i++)
        sim->ports[i].n_faults = 0;
    for (size_t d = 0; d < fleet->n_devices; d++)
        sim->devs[d].n_reboots = 0;
    free(sim->fault_refs);
    sim->fault_refs = NULL;
    size_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < sim->faults.n; i++) {
            const struct fault *f = &sim->faults.faults[i];
            if (f->kind == FAULT_REBOOT && f->device < fleet->n_devices) {
                struct devsim *d = &sim->devs[f->device];
                if (pass)
                    d->reboots[d->n_reboots++] = f;
                else
                    d->n_reboots++;
            } else if (f->kind == FAULT_BROADCAST_STORM && f->device < fleet->n_devices) {
                const struct device *dev = &fleet->devices[f->device];
                for (size_t k = 0; k < dev->n_ports; k++) {
                    struct psim *q = &sim->ports[dev->first_port_index + k];
                    if (pass && q->faults)
                        q->faults[q->n_faults++] = f;
                    else if (!pass)
                        q->n_faults++;
                }
            } else if (f->port >= 0 && (size_t)f->port < fleet->n_ports &&
                       f->kind < FAULT_PROBE_SLOW) {
                struct psim *ends[2] = {&sim->ports[f->port], NULL};
                if ((CUT_KINDS & KIND(f->kind)) && ends[0]->peer >= 0)
                    ends[1] = &sim->ports[ends[0]->peer];
                for (int e = 0; e < 2 && ends[e]; e++) {
                    if (pass && ends[e]->faults)
                        ends[e]->faults[ends[e]->n_faults++] = f;
                    else
                        ends[e]->n_faults++;
                }
            }
        }
        if (pass)
            break;
        for (size_t i = 0; i < fleet->n_ports; i++)
            total += sim->ports[i].n_faults;
        for (size_t d = 0; d < fleet->n_devices; d++)
            total += sim->devs[d].n_reboots;
        if (!total) { /* no fault touches the simulation: every list stays empty */
            for (size_t i = 0; i < fleet->n_ports; i++)
                sim->ports[i].faults = NULL;
            for (size_t d = 0; d < fleet->n_devices; d++)
                sim->devs[d].reboots = NULL;
            break;
        }
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
        sim->fault_refs = xcalloc(total, sizeof(const struct fault *));
        const struct fault **at = sim->fault_refs;
        for (size_t i = 0; i < fleet->n_ports; i++) {
            sim->ports[i].faults = at;
            at += sim->ports[i].n_faults;
            sim->ports[i].n_faults = 0;
        }
        for (size_t d = 0; d < fleet->n_devices; d++) {
            sim->devs[d].reboots = at;
            at += sim->devs[d].n_reboots;
            sim->devs[d].n_reboots = 0;
        }
    }
}

/* Forgets the placed events of every port the faults touch (their up ticks change). */
static void forget_faulted_events(struct sim *sim)
{
    const struct fleet *fleet = sim->fleet;
    for (size_t d = 0; d < fleet->n_devices; d++) {
        const struct device *dev = &fleet->devices[d];
        for (size_t k = 0; k < dev->n_ports; k++) {
            struct psim *p = &sim->ports[dev->first_port_index + k];
            if (p->n_faults || sim->devs[d].n_reboots)
                for (int e = 0; e < EV_KINDS; e++)
                    p->ev[e].valid = 0;
        }
    }
}

void sim_set_faults(struct sim *sim, const struct fault_set *faults)
{
    forget_faulted_events(sim); /* the old faults' ports */
    fault_set_copy(&sim->faults, faults);
    index_faults(sim);
    forget_faulted_events(sim);
    if (!sim->positioned)
        return;
    /* the contract: nothing changes at or before the current tick, so the open epochs stay
     * valid and only their ends move */
    for (size_t ci = 0; ci < sim->n_comps; ci++) {
        struct comp *c = &sim->comps[ci];
        c->next_change = comp_next_change(sim, c, c->e0);
    }
}

struct sim *sim_new(const struct fleet *fleet, uint64_t seed, uint64_t tick)
{
    return sim_new_faulted(fleet, seed, NULL, tick);
}

struct sim *sim_new_faulted(const struct fleet *fleet, uint64_t seed,
                            const struct fault_set *faults, uint64_t tick)
{
    struct sim *sim = xcalloc(1, sizeof(*sim));
    sim->fleet = fleet;
    sim->seed = seed;
    sim->tick_ms = fleet->tick_ms;
    sim->omega = TWO_PI * (double)sim->tick_ms / 86400000.0;
    sim->half_cot = 1.0 / (2.0 * tan(sim->omega / 2.0));
    size_t np = fleet->n_ports ? fleet->n_ports : 1, nd = fleet->n_devices ? fleet->n_devices : 1;
    sim->ports = xcalloc(np, sizeof(struct psim));
    sim->out = xcalloc(np, sizeof(struct port_state));
    sim->devs = xcalloc(nd, sizeof(struct devsim));
    sim->dev_out = xcalloc(nd, sizeof(struct device_state));
    sim->comp_of_dev_local = xcalloc(nd, sizeof(size_t));
    sim->link_units = xcalloc(fleet->n_links ? fleet->n_links : 1, sizeof(struct unit));
    for (size_t d = 0; d < fleet->n_devices; d++) {
        const struct device *dev = &fleet->devices[d];
        devsim_init(sim, &sim->devs[d], dev);
        for (size_t k = 0; k < dev->n_ports; k++)
            port_init(sim, &sim->ports[dev->first_port_index + k], dev, k, d);
    }
    for (size_t l = 0; l < fleet->n_links; l++) {
        const struct fleet_link *fl = &fleet->links[l];
        struct psim *a = &sim->ports[fl->a], *b = &sim->ports[fl->b];
        a->link = b->link = (long)l;
        a->peer = (long)fl->b;
        b->peer = (long)fl->a;
        /* the link's identity does not depend on which end is named first */
        const struct device *da = &fleet->devices[a->dev], *db = &fleet->devices[b->dev];
        const char *na = da->ports[fl->a - da->first_port_index].name;
        const char *nb = db->ports[fl->b - db->first_port_index].name;
        uint64_t ka = name_key(sim->seed, da->name, na), kb = name_key(sim->seed, db->name, nb);
        uint64_t key = hash3(ka < kb ? ka : kb, SALT_LINK, ka < kb ? kb : ka);
        const struct port_spec *spec = da->ports[fl->a - da->first_port_index].spec;
        unit_init(&sim->link_units[l], key, &spec->link, sim->tick_ms);
        /* both ends count multicast and broadcast alike */
        double mc = 0.002 + 0.008 * unit_interval(hash2(key, 7));
        double bc = 0.0002 + 0.0018 * unit_interval(hash2(key, 8));
        a->mc_share = b->mc_share = mc;
        a->bc_share = b->bc_share = bc;
    }
    build_components(sim);
    for (size_t ci = 0; ci < sim->n_comps; ci++)
        fit_load(sim, &sim->comps[ci]);
    fault_set_init(&sim->faults);
    if (faults)
        sim_set_faults(sim, faults);
    sim_advance_to(sim, tick);
    return sim;
}

void sim_free(struct sim *sim)
{
    if (!sim)
        return;
    for (size_t i = 0; i < sim->fleet->n_ports; i++)
        for (int e = 0; e < EV_KINDS; e++)
            free(sim->ports[i].ev[e].ticks);
    for (size_t ci = 0; ci < sim->n_comps; ci++) {
        struct comp *c = &sim->comps[ci];
        free(c->devs);
        free(c->edges);
        free(c->links);
        free(c->flows);
        free(c->coef);
        free(c->din_wire);
        free(c->din_pkts);
        free(c->weight);
        free(c->weight_all);
        free(c->phi);
        free(c->up_dev);
        free(c->dist);
        free(c->label);
        free(c->amount);
        free(c->order);
        free(c->snap_now);
        free(c->snap_prev);
    }
    free(sim->comps);
    free(sim->fault_refs);
    fault_set_cleanup(&sim->faults);
    free(sim->link_units);
    free(sim->comp_of_dev_local);
    free(sim->dev_out);
    free(sim->devs);
    free(sim->out);
    free(sim->ports);
    free(sim);
}

void sim_advance_to(struct sim *sim, uint64_t tick)
{
    if (sim->positioned && tick == sim->tick)
        return;
    for (size_t ci = 0; ci < sim->n_comps; ci++) {
        struct comp *c = &sim->comps[ci];
        if (!sim->positioned || tick < sim->tick)
            seek_comp(sim, c, tick);
        else
            advance_comp(sim, c, tick);
        snapshot_comp(sim, c, tick);
    }
    sim->tick = tick;
    sim->positioned = 1;
}

void sim_seek_to(struct sim *sim, uint64_t tick)
{
    sim->positioned = 0;
    for (size_t ci = 0; ci < sim->n_comps; ci++)
        sim->comps[ci].snap_valid = 0;
    sim_advance_to(sim, tick);
}

const struct fault_set *sim_faults(const struct sim *sim)
{
    return &sim->faults;
}

uint64_t sim_tick(const struct sim *sim)
{
    return sim->tick;
}

uint64_t sim_tick_ms(const struct sim *sim)
{
    return sim->tick_ms;
}

int64_t sim_time_ms(const struct sim *sim)
{
    return (int64_t)(sim->tick * sim->tick_ms);
}

uint64_t sim_tick_at(const struct sim *sim, int64_t now_ms)
{
    return now_ms <= 0 ? 0 : (uint64_t)now_ms / sim->tick_ms;
}

const struct port_state *sim_port(const struct sim *sim, size_t port_index)
{
    return &sim->out[port_index];
}

const struct port_state *sim_ports(const struct sim *sim)
{
    return sim->out;
}

const struct device_state *sim_device(const struct sim *sim, size_t device_index)
{
    return &sim->dev_out[device_index];
}

long sim_peer(const struct sim *sim, size_t port_index)
{
    return sim->ports[port_index].peer;
}
