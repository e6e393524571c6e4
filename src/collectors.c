/* collectors.c - per-port telemetry, per-device info and self metrics. */
#include "collectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "xalloc.h"

struct collectors {
    const struct fleet *fleet;
    struct expo_labels *port_labels; /* {device,port} per fleet-wide port index */
    struct expo_labels *port_info;   /* {device,port,speed,type,description} */
    struct expo_labels *device_info; /* {device,vendor,model,<profile labels>} */
    struct expo_labels build_labels; /* {version,revision} */
    struct expo_labels no_labels;
    int64_t process_start_ms;
};

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

struct collectors *collectors_new(const struct fleet *fleet, const struct build_info *build,
                                  int64_t process_start_ms)
{
    struct collectors *c = xcalloc(1, sizeof(*c));
    c->fleet = fleet;
    c->process_start_ms = process_start_ms;
    size_t n_ports = fleet->n_ports ? fleet->n_ports : 1;
    c->port_labels = xcalloc(n_ports, sizeof(*c->port_labels));
    c->port_info = xcalloc(n_ports, sizeof(*c->port_info));
    c->device_info = xcalloc(fleet->n_devices ? fleet->n_devices : 1, sizeof(*c->device_info));
    for (size_t d = 0; d < fleet->n_devices; d++) {
        const struct device *dev = &fleet->devices[d];
        for (size_t p = 0; p < dev->n_ports; p++) {
            const struct port *port = &dev->ports[p];
            size_t i = dev->first_port_index + p;
            const char *names[] = {"device", "port", "speed", "type", "description"};
            char speed[32];
            collectors_speed_label(port->spec->speed_bps, speed, sizeof(speed));
            const char *values[] = {dev->name, port->name, speed, port->spec->type,
                                    port->spec->description};
            expo_labels_build(&c->port_labels[i], names, values, 2);
            expo_labels_build(&c->port_info[i], names, values, 5);
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
        expo_labels_build(&c->device_info[d], names, values, n);
        free(names);
        free(values);
    }
    const char *bnames[] = {"version", "revision"};
    const char *bvalues[] = {build->version, build->revision};
    expo_labels_build(&c->build_labels, bnames, bvalues, 2);
    expo_labels_build(&c->no_labels, NULL, NULL, 0);
    return c;
}

void collectors_free(struct collectors *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->fleet->n_ports; i++) {
        expo_labels_free(&c->port_labels[i]);
        expo_labels_free(&c->port_info[i]);
    }
    for (size_t d = 0; d < c->fleet->n_devices; d++)
        expo_labels_free(&c->device_info[d]);
    expo_labels_free(&c->build_labels);
    expo_labels_free(&c->no_labels);
    free(c->port_labels);
    free(c->port_info);
    free(c->device_info);
    free(c);
}

/* One numeric per-port family: where its value comes from. */
struct port_family {
    const char *name;
    const char *help;
    enum metric_type type;
    uint64_t (*value)(const struct port_state *st, const struct port_spec *spec);
};

#define STATE_FIELD(field)                                                                 \
    static uint64_t get_##field(const struct port_state *st, const struct port_spec *spec) \
    {                                                                                      \
        (void)spec;                                                                        \
        return st->field;                                                                  \
    }
STATE_FIELD(rx_packets)
STATE_FIELD(tx_packets)
STATE_FIELD(rx_bytes)
STATE_FIELD(tx_bytes)
STATE_FIELD(rx_errors)
STATE_FIELD(tx_drops)
STATE_FIELD(carrier_transitions)

static uint64_t get_link_up(const struct port_state *st, const struct port_spec *spec)
{
    (void)spec;
    return st->link_up ? 1 : 0;
}

static uint64_t get_speed_bytes(const struct port_state *st, const struct port_spec *spec)
{
    (void)st;
    return spec->speed_bps / 8;
}

static uint64_t get_capacity(const struct port_state *st, const struct port_spec *spec)
{
    (void)st;
    return spec->buffer_capacity_bytes;
}

static uint64_t get_buffer_level(const struct port_state *st, const struct port_spec *spec)
{
    (void)spec;
    return (uint64_t)st->buffer_level_bytes; /* whole bytes; the model is a fluid */
}

/* Order is the exposition order; keep docs/METRICS.md and MODEL_SERIES_PER_PORT in step. */
static const struct port_family port_families[] = {
    {"switch_port_link_up", "Operational state of the port's link: 1 up, 0 down.", METRIC_GAUGE,
     get_link_up},
    {"switch_port_speed_bytes", "Line rate of the port in bytes per second.", METRIC_GAUGE,
     get_speed_bytes},
    {"switch_port_buffer_capacity_bytes", "Size of the port's egress buffer in bytes.",
     METRIC_GAUGE, get_capacity},
    {"switch_port_buffer_level_bytes", "Bytes queued in the port's egress buffer.", METRIC_GAUGE,
     get_buffer_level},
    {"switch_port_rx_packets_total", "Frames received on the port.", METRIC_COUNTER,
     get_rx_packets},
    {"switch_port_tx_packets_total", "Frames transmitted on the port.", METRIC_COUNTER,
     get_tx_packets},
    {"switch_port_rx_bytes_total", "Bytes received on the port (frame bytes, no preamble or gap).",
     METRIC_COUNTER, get_rx_bytes},
    {"switch_port_tx_bytes_total",
     "Bytes transmitted on the port (frame bytes, no preamble or gap).", METRIC_COUNTER,
     get_tx_bytes},
    {"switch_port_rx_errors_total", "Received frames discarded as errored (bad FCS, runts).",
     METRIC_COUNTER, get_rx_errors},
    {"switch_port_tx_drops_total", "Frames dropped at egress because the buffer was full.",
     METRIC_COUNTER, get_tx_drops},
    {"switch_port_carrier_transitions_total", "Times the port's link went up or down.",
     METRIC_COUNTER, get_carrier_transitions},
};

static int collect_ports(struct expo *w, const struct scrape_ctx *ctx, void *user)
{
    const struct collectors *c = user;
    const struct fleet *fleet = c->fleet;
    static const char info_name[] = "switch_port_info";
    if (expo_family(w, info_name,
                    "Static attributes of a port (speed, type, description); always 1.",
                    METRIC_GAUGE) < 0)
        return -1;
    for (size_t i = 0; i < fleet->n_ports; i++)
        expo_sample_u64(w, info_name, sizeof(info_name) - 1, &c->port_info[i], 1);

    for (size_t f = 0; f < sizeof(port_families) / sizeof(port_families[0]); f++) {
        const struct port_family *fam = &port_families[f];
        if (expo_family(w, fam->name, fam->help, fam->type) < 0)
            return -1;
        size_t name_len = strlen(fam->name);
        for (size_t d = 0; d < fleet->n_devices; d++) {
            const struct device *dev = &fleet->devices[d];
            for (size_t p = 0; p < dev->n_ports; p++) {
                size_t i = dev->first_port_index + p;
                uint64_t v = fam->value(sim_port(ctx->sim, i), dev->ports[p].spec);
                expo_sample_u64(w, fam->name, name_len, &c->port_labels[i], v);
            }
        }
    }
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
    const struct expo_labels *none = &c->no_labels;
    int rc = 0;
    rc |= self_family(w, &c->build_labels, "switchsim_build_info",
                      "switchsim version and source revision; always 1.", METRIC_GAUGE, 1);
    rc |= self_family(w, none, "switchsim_start_time_seconds",
                      "Unix time at which the simulator process started.", METRIC_GAUGE,
                      (double)c->process_start_ms / 1000.0);
    rc |= self_family(w, none, "switchsim_devices", "Simulated devices loaded from profiles.",
                      METRIC_GAUGE, (double)c->fleet->n_devices);
    rc |= self_family(w, none, "switchsim_ports", "Simulated ports across all devices.",
                      METRIC_GAUGE, (double)c->fleet->n_ports);
    rc |= self_family(w, none, "switchsim_tick_seconds", "Length of one simulation tick.",
                      METRIC_GAUGE, (double)sim_tick_ms(ctx->sim) / 1000.0);
    rc |= self_family(w, none, "switchsim_ticks_total", "Simulation ticks computed since start.",
                      METRIC_COUNTER, (double)sim_tick(ctx->sim));
    rc |= self_family(w, none, "switchsim_last_render_duration_seconds",
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
