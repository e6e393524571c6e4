/* collectors.c - per-port telemetry, per-device info and self metrics.
 *
 * The per-port collector is the scrape's hot loop (millions of series for large
 * fleets): it walks the port states once per family with the value's kind decided
 * outside the loop, and writes samples in batches into space reserved up front. */
#include "metrics/collectors.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "sim/sim.h"

#define SAMPLE_BATCH 256

/* Where a family's value comes from. */
enum value_kind {
    VALUE_ONE,       /* info: always 1 */
    VALUE_STATE_U64, /* a uint64_t field of port_state (offset) */
    VALUE_LINK_UP,
    VALUE_BUFFER_LEVEL,
    VALUE_SPEED_BYTES,
    VALUE_CAPACITY,
    VALUE_RX_BYTES,
    VALUE_TX_BYTES,
    VALUE_CARRIER,
};

struct port_family {
    const char *name;
    const char *help;
    enum metric_type type;
    enum value_kind kind;
    size_t offset; /* for VALUE_STATE_U64 */
};

/* Indexed by enum port_family_id; keep docs/METRICS.md and MODEL_SERIES_PER_PORT in step. */
static const struct port_family port_families[PORT_FAMILY_COUNT] = {
    {"switch_port_info", "Static attributes of a port (speed, type, description); always 1.",
     METRIC_GAUGE, VALUE_ONE, 0},
    {"switch_port_link_up", "Operational state of the port's link: 1 up, 0 down.", METRIC_GAUGE,
     VALUE_LINK_UP, 0},
    {"switch_port_speed_bytes", "Line rate of the port in bytes per second.", METRIC_GAUGE,
     VALUE_SPEED_BYTES, 0},
    {"switch_port_buffer_capacity_bytes", "Size of the port's egress buffer in bytes.",
     METRIC_GAUGE, VALUE_CAPACITY, 0},
    {"switch_port_buffer_level_bytes", "Bytes queued in the port's egress buffer.", METRIC_GAUGE,
     VALUE_BUFFER_LEVEL, 0},
    {"switch_port_rx_packets_total", "Frames received on the port.", METRIC_COUNTER,
     VALUE_STATE_U64, offsetof(struct port_state, rx_packets)},
    {"switch_port_tx_packets_total", "Frames transmitted on the port.", METRIC_COUNTER,
     VALUE_STATE_U64, offsetof(struct port_state, tx_packets)},
    {"switch_port_rx_bytes_total", "Bytes received on the port (frame bytes, no preamble or gap).",
     METRIC_COUNTER, VALUE_RX_BYTES, 0},
    {"switch_port_tx_bytes_total",
     "Bytes transmitted on the port (frame bytes, no preamble or gap).", METRIC_COUNTER,
     VALUE_TX_BYTES, 0},
    {"switch_port_rx_errors_total", "Received frames discarded as errored (bad FCS, runts).",
     METRIC_COUNTER, VALUE_STATE_U64, offsetof(struct port_state, rx_errors)},
    {"switch_port_tx_drops_total", "Frames dropped at egress because the buffer was full.",
     METRIC_COUNTER, VALUE_STATE_U64, offsetof(struct port_state, tx_drops)},
    {"switch_port_carrier_transitions_total", "Times the port's link went up or down.",
     METRIC_COUNTER, VALUE_CARRIER, 0},
};

struct collectors {
    const struct fleet *fleet;
    unsigned family_mask;
    const struct port_spec **specs;  /* per fleet-wide port index */
    struct expo_labels *port_labels; /* {device,port} */
    struct expo_labels *port_info;   /* {device,port,speed,type,description}; NULL if unused */
    struct expo_labels *device_info; /* {device,vendor,model,<profile labels>} */
    struct expo_labels build_labels; /* {version,revision} */
    size_t max_port_labels_len;
    size_t max_port_info_len;
    char *label_text; /* every label set above, back to back */
    int64_t process_start_ms;
};

int collectors_parse_port_families(const char *list, unsigned *mask, struct errbuf *err)
{
    if (strcmp(list, "all") == 0) {
        *mask = PORT_FAMILIES_ALL;
        return 0;
    }
    unsigned m = 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        int found = -1;
        for (int f = 0; f < PORT_FAMILY_COUNT; f++)
            if (strlen(port_families[f].name) == len && strncmp(port_families[f].name, p, len) == 0)
                found = f;
        if (found < 0)
            return errbuf_set(err,
                              "--metrics.port-families: unknown family \"%.*s\" (see "
                              "docs/METRICS.md; e.g. switch_port_link_up)",
                              (int)len, p);
        m |= 1u << found;
        p += len;
        if (*p == ',')
            p++;
    }
    if (!m)
        return errbuf_set(err, "--metrics.port-families: name at least one family, or all");
    *mask = m;
    return 0;
}

static unsigned popcount(unsigned m)
{
    unsigned n = 0;
    for (; m; m &= m - 1)
        n++;
    return n;
}

uint64_t collectors_series_count(const struct fleet *fleet, unsigned port_family_mask)
{
    return (uint64_t)fleet->n_ports * popcount(port_family_mask & PORT_FAMILIES_ALL) +
           (uint64_t)fleet->n_devices * MODEL_SERIES_PER_DEVICE + MODEL_SELF_SERIES;
}

void collectors_speed_label(uint64_t speed_bps, char *out, size_t out_bytes)
{
    static const struct {
        uint64_t factor;
        const char *suffix;
    } units[] = {{1000000000000ULL, "T"},
                 {1000000000ULL, "G"},
                 {1000000ULL, "M"},
                 {1000ULL, "K"},
                 {1ULL, ""}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (speed_bps >= units[i].factor || units[i].factor == 1) {
            snprintf(out, out_bytes, "%.15g%s", (double)speed_bps / (double)units[i].factor,
                     units[i].suffix);
            return;
        }
    }
}

/* Label sets are appended to one buffer as offsets first, then pointed at once the
 * buffer has stopped growing. */
static void remember(struct expo_labels *l, size_t offset, size_t len)
{
    l->text = (const char *)(uintptr_t)offset;
    l->len = len;
}

static void point(struct expo_labels *l, const char *base)
{
    l->text = base + (uintptr_t)l->text;
}

struct collectors *collectors_new(const struct fleet *fleet, const struct build_info *build,
                                  int64_t process_start_ms, unsigned port_family_mask)
{
    struct collectors *c = xcalloc(1, sizeof(*c));
    c->fleet = fleet;
    c->family_mask = port_family_mask & PORT_FAMILIES_ALL;
    c->process_start_ms = process_start_ms;
    size_t n_ports = fleet->n_ports ? fleet->n_ports : 1;
    int want_info = (c->family_mask & (1u << PORT_FAMILY_INFO)) != 0;
    c->specs = xcalloc(n_ports, sizeof(const struct port_spec *));
    c->port_labels = xcalloc(n_ports, sizeof(*c->port_labels));
    if (want_info)
        c->port_info = xcalloc(n_ports, sizeof(*c->port_info));
    c->device_info = xcalloc(fleet->n_devices ? fleet->n_devices : 1, sizeof(*c->device_info));

    struct strbuf sb;
    strbuf_init(&sb, n_ports * (want_info ? 128 : 48), SIZE_MAX / 2);
    for (size_t d = 0; d < fleet->n_devices; d++) {
        const struct device *dev = &fleet->devices[d];
        for (size_t p = 0; p < dev->n_ports; p++) {
            const struct port *port = &dev->ports[p];
            size_t i = dev->first_port_index + p;
            c->specs[i] = port->spec;
            const char *names[] = {"device", "port", "speed", "type", "description"};
            char speed[32];
            collectors_speed_label(port->spec->speed_bps, speed, sizeof(speed));
            const char *values[] = {dev->name, port->name, speed, port->spec->type,
                                    port->spec->description};
            size_t at = sb.len;
            size_t len = expo_labels_append(&sb, names, values, 2);
            remember(&c->port_labels[i], at, len);
            if (len > c->max_port_labels_len)
                c->max_port_labels_len = len;
            if (want_info) {
                at = sb.len;
                len = expo_labels_append(&sb, names, values, 5);
                remember(&c->port_info[i], at, len);
                if (len > c->max_port_info_len)
                    c->max_port_info_len = len;
            }
        }
        size_t n = 3 + dev->n_labels;
        const char **names = xcalloc(n, sizeof(*names));
        const char **values = xcalloc(n, sizeof(*values));
        names[0] = "device";
        values[0] = dev->name;
        names[1] = "vendor";
        values[1] = dev->vendor;
        names[2] = "model";
        values[2] = dev->model;
        for (size_t l = 0; l < dev->n_labels; l++) {
            names[3 + l] = dev->labels[l].name;
            values[3 + l] = dev->labels[l].value;
        }
        size_t at = sb.len;
        remember(&c->device_info[d], at, expo_labels_append(&sb, names, values, n));
        free(names);
        free(values);
    }
    const char *bnames[] = {"version", "revision"};
    const char *bvalues[] = {build->version, build->revision};
    size_t at = sb.len;
    remember(&c->build_labels, at, expo_labels_append(&sb, bnames, bvalues, 2));
    c->label_text = strbuf_release(&sb, NULL);
    for (size_t i = 0; i < fleet->n_ports; i++) {
        point(&c->port_labels[i], c->label_text);
        if (want_info)
            point(&c->port_info[i], c->label_text);
    }
    for (size_t d = 0; d < fleet->n_devices; d++)
        point(&c->device_info[d], c->label_text);
    point(&c->build_labels, c->label_text);
    return c;
}

void collectors_free(struct collectors *c)
{
    if (!c)
        return;
    free(c->label_text);
    free(c->specs);
    free(c->port_labels);
    free(c->port_info);
    free(c->device_info);
    free(c);
}

static uint64_t port_value(enum value_kind kind, size_t offset, const struct port_state *st,
                           const struct port_spec *spec)
{
    switch (kind) {
    case VALUE_ONE:
        return 1;
    case VALUE_STATE_U64: {
        uint64_t v;
        memcpy(&v, (const char *)st + offset, sizeof(v));
        return v;
    }
    case VALUE_LINK_UP:
        return st->link_up;
    case VALUE_BUFFER_LEVEL:
        return (uint64_t)st->buffer_level_bytes; /* whole bytes; the model is a fluid */
    case VALUE_SPEED_BYTES:
        return spec->speed_bps / 8;
    case VALUE_CAPACITY:
        return spec->buffer_capacity_bytes;
    case VALUE_RX_BYTES:
        return sim_rx_bytes(st, spec);
    case VALUE_TX_BYTES:
        return sim_tx_bytes(st, spec);
    case VALUE_CARRIER:
        return st->carrier_transitions;
    }
    return 0;
}

/* The hot loop. `kind` is a compile-time constant in each expansion below, so the switch
 * in port_value() folds away and each family gets a loop of its own. */
#define FAMILY_LOOP(KIND)                                                                \
    for (size_t i = 0; i < n;) {                                                         \
        size_t batch = n - i < SAMPLE_BATCH ? n - i : SAMPLE_BATCH;                      \
        char *p = expo_reserve(w, batch * line_max);                                     \
        if (!p)                                                                          \
            return -1;                                                                   \
        for (size_t end = i + batch; i < end; i++)                                       \
            p = expo_put_sample_u64(w, p, name, name_len, &labels[i],                    \
                                    port_value(KIND, fam->offset, &ports[i], specs[i])); \
        expo_commit(w, p, batch);                                                        \
    }

static int write_port_family(struct expo *w, const struct collectors *c,
                             const struct port_state *ports, const struct port_family *fam)
{
    if (expo_family(w, fam->name, fam->help, fam->type) < 0)
        return -1;
    const struct port_spec *const *specs = c->specs;
    size_t n = c->fleet->n_ports;
    size_t name_len = strlen(fam->name);
    const char *name = fam->name;
    const struct expo_labels *labels = fam->kind == VALUE_ONE ? c->port_info : c->port_labels;
    size_t labels_max = fam->kind == VALUE_ONE ? c->max_port_info_len : c->max_port_labels_len;
    size_t line_max = name_len + labels_max + 1 + 20 + w->ts_len;
    switch (fam->kind) {
    case VALUE_ONE:
        FAMILY_LOOP(VALUE_ONE)
        break;
    case VALUE_STATE_U64:
        FAMILY_LOOP(VALUE_STATE_U64)
        break;
    case VALUE_LINK_UP:
        FAMILY_LOOP(VALUE_LINK_UP)
        break;
    case VALUE_BUFFER_LEVEL:
        FAMILY_LOOP(VALUE_BUFFER_LEVEL)
        break;
    case VALUE_SPEED_BYTES:
        FAMILY_LOOP(VALUE_SPEED_BYTES)
        break;
    case VALUE_CAPACITY:
        FAMILY_LOOP(VALUE_CAPACITY)
        break;
    case VALUE_RX_BYTES:
        FAMILY_LOOP(VALUE_RX_BYTES)
        break;
    case VALUE_TX_BYTES:
        FAMILY_LOOP(VALUE_TX_BYTES)
        break;
    case VALUE_CARRIER:
        FAMILY_LOOP(VALUE_CARRIER)
        break;
    }
    return 0;
}

static int collect_ports(struct expo *w, const struct scrape_ctx *ctx, void *user)
{
    const struct collectors *c = user;
    const struct port_state *ports = sim_ports(ctx->sim);
    for (int f = 0; f < PORT_FAMILY_COUNT; f++)
        if ((c->family_mask & (1u << f)) && write_port_family(w, c, ports, &port_families[f]) < 0)
            return -1;
    return 0;
}

static int collect_devices(struct expo *w, const struct scrape_ctx *ctx, void *user)
{
    (void)ctx;
    const struct collectors *c = user;
    static const char name[] = "switch_device_info";
    if (expo_family(w, name,
                    "Static attributes of a simulated device and its profile labels; always 1.",
                    METRIC_GAUGE) < 0)
        return -1;
    for (size_t d = 0; d < c->fleet->n_devices; d++)
        expo_sample_u64(w, name, sizeof(name) - 1, &c->device_info[d], 1);
    return 0;
}

static int self_family(struct expo *w, const struct expo_labels *labels, const char *name,
                       const char *help, enum metric_type type, double value)
{
    if (expo_family(w, name, help, type) < 0)
        return -1;
    expo_sample_double(w, name, strlen(name), labels, value);
    return 0;
}

static int collect_self(struct expo *w, const struct scrape_ctx *ctx, void *user)
{
    const struct collectors *c = user;
    const struct expo_labels none = {"", 0};
    int rc = 0;
    rc |= self_family(w, &c->build_labels, "switchsim_build_info",
                      "switchsim version and source revision; always 1.", METRIC_GAUGE, 1);
    rc |= self_family(w, &none, "switchsim_start_time_seconds",
                      "Unix time at which the simulator process started.", METRIC_GAUGE,
                      (double)c->process_start_ms / 1000.0);
    rc |= self_family(w, &none, "switchsim_devices", "Simulated devices loaded from profiles.",
                      METRIC_GAUGE, (double)c->fleet->n_devices);
    rc |= self_family(w, &none, "switchsim_ports", "Simulated ports across all devices.",
                      METRIC_GAUGE, (double)c->fleet->n_ports);
    rc |= self_family(w, &none, "switchsim_tick_seconds", "Length of one simulation tick.",
                      METRIC_GAUGE, (double)sim_tick_ms(ctx->sim) / 1000.0);
    rc |= self_family(w, &none, "switchsim_ticks_total", "Simulation ticks computed since start.",
                      METRIC_COUNTER, (double)sim_tick(ctx->sim));
    rc |= self_family(w, &none, "switchsim_last_render_duration_seconds",
                      "Time the previous render of this endpoint took.", METRIC_GAUGE,
                      ctx->last_render_seconds);
    return rc ? -1 : 0;
}

int collectors_register(struct collectors *c, struct registry *reg)
{
    if (registry_add(reg, "devices", collect_devices, c) < 0 ||
        registry_add(reg, "ports", collect_ports, c) < 0 ||
        registry_add(reg, "self", collect_self, c) < 0)
        return -1;
    return 0;
}
