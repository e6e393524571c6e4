/* collectors.c - per-device and per-port telemetry and self metrics (see collectors.h).
 *
 * The per-port collector is the scrape's hot loop (millions of series for large
 * fleets): it walks the port states once per family with the quantity decided
 * outside the loop, and writes samples in batches into space reserved up front. */
#include "metrics/collectors.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/procstat.h"
#include "base/xalloc.h"
#include "metrics/catalog.h"
#include "sim/sim.h"

#define SAMPLE_BATCH 256

struct collectors {
    const struct fleet *fleet;
    const struct port_spec **specs;    /* per fleet-wide port index */
    struct expo_labels *port_labels;   /* {device,port} */
    struct expo_labels *port_info;     /* {device,port,speed,type,description} */
    struct expo_labels *device_info;   /* {device,vendor,model,<profile labels>} */
    struct expo_labels *device_labels; /* {device} */
    struct expo_labels *neighbor_info; /* {device,port,neighbor_device,neighbor_port}; len 0:
                                        * the port is in no link */
    size_t max_neighbor_info_len;
    struct expo_labels build_labels; /* {version,revision} */
    struct expo_labels shard_labels; /* {shard,shards}, in shard_text */
    char *shard_text;
    struct expo_labels format_labels[EXPO_FORMAT_COUNT]; /* {format="text"}, ... */
    size_t max_port_labels_len;
    size_t max_port_info_len;
    char *label_text; /* every label set above, back to back */
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

static size_t append_labels(struct strbuf *sb, struct expo_labels *l, const char *const *names,
                            const char *const *values, size_t n)
{
    size_t at = sb->len;
    size_t len = expo_labels_append(sb, names, values, n);
    remember(l, at, len);
    return len;
}

static void port_label_sets(struct collectors *c, struct strbuf *sb, const struct device *dev)
{
    static const char *const names[] = {"device", "port", "speed", "type", "description"};
    for (size_t p = 0; p < dev->n_ports; p++) {
        const struct port *port = &dev->ports[p];
        size_t i = dev->first_port_index + p;
        c->specs[i] = port->spec;
        char speed[32];
        collectors_speed_label(port->spec->speed_bps, speed, sizeof(speed));
        const char *values[] = {dev->name, port->name, speed, port->spec->type,
                                port->spec->description};
        size_t len = append_labels(sb, &c->port_labels[i], names, values, 2);
        if (len > c->max_port_labels_len)
            c->max_port_labels_len = len;
        len = append_labels(sb, &c->port_info[i], names, values, 5);
        if (len > c->max_port_info_len)
            c->max_port_info_len = len;
    }
}

static void device_label_set(struct collectors *c, struct strbuf *sb, size_t d)
{
    const struct device *dev = &c->fleet->devices[d];
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
    append_labels(sb, &c->device_info[d], names, values, n);
    append_labels(sb, &c->device_labels[d], names, values, 1);
    free(names);
    free(values);
}

/* The device and port at each end of every link, for the other end's neighbour info. */
static void neighbor_label_sets(struct collectors *c, struct strbuf *sb)
{
    const struct fleet *f = c->fleet;
    size_t *dev_of = xcalloc(f->n_ports ? f->n_ports : 1, sizeof(size_t));
    for (size_t d = 0; d < f->n_devices; d++)
        for (size_t p = 0; p < f->devices[d].n_ports; p++)
            dev_of[f->devices[d].first_port_index + p] = d;
    static const char *const names[] = {"device", "port", "neighbor_device", "neighbor_port"};
    for (size_t l = 0; l < f->n_links; l++) {
        size_t ends[2] = {f->links[l].a, f->links[l].b};
        for (int e = 0; e < 2; e++) {
            const struct device *me = &f->devices[dev_of[ends[e]]];
            const struct device *peer = &f->devices[dev_of[ends[1 - e]]];
            const char *values[] = {me->name, me->ports[ends[e] - me->first_port_index].name,
                                    peer->name,
                                    peer->ports[ends[1 - e] - peer->first_port_index].name};
            size_t len = append_labels(sb, &c->neighbor_info[ends[e]], names, values, 4);
            if (len > c->max_neighbor_info_len)
                c->max_neighbor_info_len = len;
        }
    }
    free(dev_of);
}

struct collectors *collectors_new(const struct fleet *fleet, const struct build_info *build,
                                  int64_t process_start_ms)
{
    struct collectors *c = xcalloc(1, sizeof(*c));
    c->fleet = fleet;
    c->process_start_ms = process_start_ms;
    size_t n_ports = fleet->n_ports ? fleet->n_ports : 1;
    c->specs = xcalloc(n_ports, sizeof(const struct port_spec *));
    c->port_labels = xcalloc(n_ports, sizeof(*c->port_labels));
    c->port_info = xcalloc(n_ports, sizeof(*c->port_info));
    c->device_info = xcalloc(fleet->n_devices ? fleet->n_devices : 1, sizeof(*c->device_info));
    c->device_labels = xcalloc(fleet->n_devices ? fleet->n_devices : 1, sizeof(*c->device_labels));
    c->neighbor_info = xcalloc(n_ports, sizeof(*c->neighbor_info));

    struct strbuf sb;
    strbuf_init(&sb, n_ports * 128, SIZE_MAX / 2);
    for (size_t d = 0; d < fleet->n_devices; d++) {
        port_label_sets(c, &sb, &fleet->devices[d]);
        device_label_set(c, &sb, d);
    }
    neighbor_label_sets(c, &sb);
    static const char *const build_names[] = {"version", "revision"};
    const char *build_values[] = {build->version, build->revision};
    append_labels(&sb, &c->build_labels, build_names, build_values, 2);
    static const char *const format_name[] = {"format"};
    for (int f = 0; f < EXPO_FORMAT_COUNT; f++) {
        const char *value[] = {expo_format_desc((enum expo_format)f)->name};
        append_labels(&sb, &c->format_labels[f], format_name, value, 1);
    }
    c->label_text = strbuf_release(&sb, NULL);
    for (size_t i = 0; i < fleet->n_ports; i++) {
        point(&c->port_labels[i], c->label_text);
        point(&c->port_info[i], c->label_text);
        point(&c->neighbor_info[i], c->label_text);
    }
    for (size_t d = 0; d < fleet->n_devices; d++) {
        point(&c->device_info[d], c->label_text);
        point(&c->device_labels[d], c->label_text);
    }
    point(&c->build_labels, c->label_text);
    for (int f = 0; f < EXPO_FORMAT_COUNT; f++)
        point(&c->format_labels[f], c->label_text);
    collectors_set_shard(c, (struct shard_spec){0, 1});
    return c;
}

void collectors_set_shard(struct collectors *c, struct shard_spec shard)
{
    char index[16], count[16];
    snprintf(index, sizeof(index), "%u", (unsigned)shard.index);
    snprintf(count, sizeof(count), "%u", (unsigned)shard.count);
    static const char *const names[] = {"shard", "shards"};
    const char *values[] = {index, count};
    struct strbuf sb;
    strbuf_init(&sb, 64, 4096);
    size_t len = expo_labels_append(&sb, names, values, 2);
    free(c->shard_text);
    c->shard_text = strbuf_release(&sb, NULL);
    c->shard_labels = (struct expo_labels){c->shard_text, len};
}

void collectors_free(struct collectors *c)
{
    if (!c)
        return;
    free(c->label_text);
    free(c->shard_text);
    free(c->specs);
    free(c->port_labels);
    free(c->port_info);
    free(c->device_info);
    free(c->device_labels);
    free(c->neighbor_info);
    free(c);
}

/* The value of a per-port quantity. Inlined into one loop per quantity below, where `q`
 * is a constant, so the switch folds away. */
static inline uint64_t port_value(enum quantity q, const struct port_state *st,
                                  const struct port_spec *spec)
{
    switch (q) {
    case Q_PORT_INFO:
        return 1;
    case Q_PORT_LINK_UP:
        return st->link_up;
    case Q_PORT_SPEED_BYTES:
        return spec->speed_bps / 8;
    case Q_PORT_BUFFER_CAPACITY_BYTES:
        return spec->buffer_capacity_bytes;
    case Q_PORT_ADMIN_UP:
        return st->admin_up;
    case Q_PORT_BUFFER_LEVEL_BYTES:
        return st->buffer_level_bytes;
    case Q_PORT_BUFFER_WATERMARK_BYTES:
        return st->buffer_watermark_bytes;
    case Q_PORT_RX_PACKETS:
        return st->rx_packets;
    case Q_PORT_TX_PACKETS:
        return st->tx_packets;
    case Q_PORT_RX_BYTES:
        return st->rx_bytes;
    case Q_PORT_TX_BYTES:
        return st->tx_bytes;
    case Q_PORT_RX_MULTICAST:
        return st->rx_multicast_packets;
    case Q_PORT_RX_BROADCAST:
        return st->rx_broadcast_packets;
    case Q_PORT_TX_MULTICAST:
        return st->tx_multicast_packets;
    case Q_PORT_TX_BROADCAST:
        return st->tx_broadcast_packets;
    case Q_PORT_RX_ERRORS:
        return st->rx_errors;
    case Q_PORT_RX_DISCARDS:
        return st->rx_discards;
    case Q_PORT_TX_ERRORS:
        return st->tx_errors;
    case Q_PORT_TX_DROPS:
        return st->tx_drops;
    case Q_PORT_CARRIER_TRANSITIONS:
        return st->carrier_transitions;
    default:
        return 0;
    }
}

/* Ports [lo, hi) of one family, in batches written into space reserved up front. */
struct port_run {
    const struct port_state *ports;
    const struct port_spec *const *specs;
    const struct expo_labels *labels;
    size_t lo, hi;
    size_t line_max;
};

#define PORT_LOOP(Q)                                                             \
    for (size_t i = run->lo; i < run->hi;) {                                     \
        size_t batch = run->hi - i < SAMPLE_BATCH ? run->hi - i : SAMPLE_BATCH;  \
        char *p = expo_reserve(w, batch * run->line_max);                        \
        if (!p)                                                                  \
            return -1;                                                           \
        for (size_t end = i + batch; i < end; i++)                               \
            p = expo_put_line_u64(&line, p, &run->labels[i],                     \
                                  port_value(Q, &run->ports[i], run->specs[i])); \
        expo_commit(w, p, batch);                                                \
    }                                                                            \
    return 0;

static int write_port_values(struct expo *w, enum quantity q, const struct port_run *run)
{
    const struct expo_line line = expo_line_of(w);
    switch (q) {
    case Q_PORT_INFO:
        PORT_LOOP(Q_PORT_INFO)
    case Q_PORT_LINK_UP:
        PORT_LOOP(Q_PORT_LINK_UP)
    case Q_PORT_SPEED_BYTES:
        PORT_LOOP(Q_PORT_SPEED_BYTES)
    case Q_PORT_BUFFER_CAPACITY_BYTES:
        PORT_LOOP(Q_PORT_BUFFER_CAPACITY_BYTES)
    case Q_PORT_ADMIN_UP:
        PORT_LOOP(Q_PORT_ADMIN_UP)
    case Q_PORT_BUFFER_LEVEL_BYTES:
        PORT_LOOP(Q_PORT_BUFFER_LEVEL_BYTES)
    case Q_PORT_BUFFER_WATERMARK_BYTES:
        PORT_LOOP(Q_PORT_BUFFER_WATERMARK_BYTES)
    case Q_PORT_RX_MULTICAST:
        PORT_LOOP(Q_PORT_RX_MULTICAST)
    case Q_PORT_RX_BROADCAST:
        PORT_LOOP(Q_PORT_RX_BROADCAST)
    case Q_PORT_TX_MULTICAST:
        PORT_LOOP(Q_PORT_TX_MULTICAST)
    case Q_PORT_TX_BROADCAST:
        PORT_LOOP(Q_PORT_TX_BROADCAST)
    case Q_PORT_RX_DISCARDS:
        PORT_LOOP(Q_PORT_RX_DISCARDS)
    case Q_PORT_TX_ERRORS:
        PORT_LOOP(Q_PORT_TX_ERRORS)
    case Q_PORT_RX_PACKETS:
        PORT_LOOP(Q_PORT_RX_PACKETS)
    case Q_PORT_TX_PACKETS:
        PORT_LOOP(Q_PORT_TX_PACKETS)
    case Q_PORT_RX_BYTES:
        PORT_LOOP(Q_PORT_RX_BYTES)
    case Q_PORT_TX_BYTES:
        PORT_LOOP(Q_PORT_TX_BYTES)
    case Q_PORT_RX_ERRORS:
        PORT_LOOP(Q_PORT_RX_ERRORS)
    case Q_PORT_TX_DROPS:
        PORT_LOOP(Q_PORT_TX_DROPS)
    case Q_PORT_CARRIER_TRANSITIONS:
        PORT_LOOP(Q_PORT_CARRIER_TRANSITIONS)
    default:
        return expo_fail(w, "no per-port value for the family", w->family->name);
    }
}

static enum oper_state oper_state_of(const struct port_state *st)
{
    return st->link_up ? OPER_UP : OPER_DOWN;
}

/* Every state of every port: one line each, exactly one of a port's lines set to 1. */
static int write_port_states(struct expo *w, const struct port_run *run)
{
    for (size_t i = run->lo; i < run->hi; i++) {
        size_t current = oper_state_of(&run->ports[i]);
        for (size_t s = 0; s < OPER_STATE_COUNT; s++)
            if (expo_sample_state(w, &run->labels[i], s, current) < 0)
                return -1;
    }
    return 0;
}

/* Fleet-wide port indexes of the selected devices: they are contiguous. */
static void selected_ports(const struct fleet *fleet, const struct selection *sel, size_t *lo,
                           size_t *hi)
{
    *lo = *hi = 0;
    if (sel->first_device >= sel->end_device)
        return;
    const struct device *last = &fleet->devices[sel->end_device - 1];
    *lo = fleet->devices[sel->first_device].first_port_index;
    *hi = last->first_port_index + last->n_ports;
}

static int collect_ports(struct expo *w, const struct scrape_ctx *ctx, void *user)
{
    const struct collectors *c = user;
    struct port_run run = {.ports = sim_ports(ctx->sim), .specs = c->specs};
    for (size_t r = 0; r < catalog_n_rows; r++) {
        const struct metric_def *row = &catalog_rows[r];
        if (row->scope != SCOPE_PORT || !(ctx->sel.families >> r & 1))
            continue;
        if (expo_begin_family(w, &row->family) < 0)
            return -1;
        int info = row->family.type == METRIC_INFO;
        run.labels = info ? c->port_info : c->port_labels;
        run.line_max =
            expo_line_of(w).fixed_len + (info ? c->max_port_info_len : c->max_port_labels_len) + 20;
        /* Runs of consecutive served devices: their ports are contiguous. */
        for (size_t d = ctx->sel.first_device; d < ctx->sel.end_device;) {
            struct selection run_sel = ctx->sel;
            if (run_sel.served && !run_sel.served[d]) {
                d++;
                continue;
            }
            run_sel.first_device = d;
            while (d < ctx->sel.end_device && (!run_sel.served || run_sel.served[d]))
                d++;
            run_sel.end_device = d;
            selected_ports(c->fleet, &run_sel, &run.lo, &run.hi);
            if (row->quantity == Q_PORT_NEIGHBOR_INFO) { /* only ports in a link */
                for (size_t i = run.lo; i < run.hi; i++)
                    if (c->neighbor_info[i].len && expo_sample_u64(w, &c->neighbor_info[i], 1) < 0)
                        return -1;
                continue;
            }
            int rc = row->family.type == METRIC_STATESET
                         ? write_port_states(w, &run)
                         : write_port_values(w, row->quantity, &run);
            if (rc < 0)
                return -1;
        }
    }
    return 0;
}

static int collect_devices(struct expo *w, const struct scrape_ctx *ctx, void *user)
{
    const struct collectors *c = user;
    for (size_t r = 0; r < catalog_n_rows; r++) {
        const struct metric_def *row = &catalog_rows[r];
        if (row->scope != SCOPE_DEVICE || !(ctx->sel.families >> r & 1))
            continue;
        if (expo_begin_family(w, &row->family) < 0)
            return -1;
        uint64_t tick_ms = sim_tick_ms(ctx->sim);
        for (size_t d = ctx->sel.first_device; d < ctx->sel.end_device; d++) {
            if (ctx->sel.served && !ctx->sel.served[d])
                continue;
            const struct device_state *ds = sim_device(ctx->sim, d);
            int rc;
            switch (row->quantity) {
            case Q_DEVICE_INFO:
                rc = expo_sample_u64(w, &c->device_info[d], 1);
                break;
            case Q_DEVICE_BOOT_TIME_SECONDS:
                rc = expo_sample_double(w, &c->device_labels[d],
                                        (double)(ds->boot_tick * tick_ms) / 1000.0);
                break;
            case Q_DEVICE_UPTIME_SECONDS:
                rc = expo_sample_double(w, &c->device_labels[d],
                                        (double)((sim_tick(ctx->sim) - ds->boot_tick) * tick_ms) /
                                            1000.0);
                break;
            default:
                return expo_fail(w, "no per-device value for the family", row->family.name);
            }
            if (rc < 0)
                return -1;
        }
    }
    return 0;
}

/* Whole microseconds: a duration measured in nanoseconds has no more real digits. */
static double round_to_us(double seconds)
{
    return floor(seconds * 1e6 + 0.5) / 1e6;
}

/* Values of the simulator's own families: from the render context, the collectors and
 * /proc (read once per render). `format` selects the series of DIM_FORMAT rows. */
struct self_values {
    const struct collectors *c;
    const struct scrape_ctx *ctx;
    struct procstat proc;
};

static double self_value(const struct self_values *v, enum quantity q, size_t format)
{
    const struct self_stats *st = &v->ctx->self;
    switch (q) {
    case Q_SELF_BUILD_INFO:
    case Q_SELF_SHARD_INFO:
        return 1;
    case Q_SELF_START_TIME_SECONDS:
        return (double)v->c->process_start_ms / 1000.0;
    case Q_SELF_DEVICES:
        return (double)v->c->fleet->n_devices;
    case Q_SELF_PORTS:
        return (double)v->c->fleet->n_ports;
    case Q_SELF_TICK_SECONDS:
        return (double)sim_tick_ms(v->ctx->sim) / 1000.0;
    case Q_SELF_TICKS:
        return (double)sim_tick(v->ctx->sim);
    case Q_SELF_LAST_RENDER_SECONDS:
        return round_to_us(st->last_render_seconds);
    case Q_SELF_RENDER_SECONDS:
        return round_to_us(st->render_seconds[format]);
    case Q_SELF_RENDERS:
        return (double)st->renders[format];
    case Q_SELF_GZIP_SECONDS:
        return round_to_us(st->gzip_seconds);
    case Q_SELF_GZIPS:
        return (double)st->gzips;
    case Q_SELF_RELOAD_OK:
        return st->last_reload_ok;
    case Q_SELF_RELOAD_SUCCESS_SECONDS:
        return (double)st->last_reload_success_ms / 1000.0;
    case Q_PROCESS_CPU_SECONDS:
        return v->proc.cpu_seconds;
    case Q_PROCESS_OPEN_FDS:
        return (double)v->proc.open_fds;
    case Q_PROCESS_MAX_FDS:
        return (double)v->proc.max_fds;
    case Q_PROCESS_VIRTUAL_BYTES:
        return (double)v->proc.virtual_bytes;
    case Q_PROCESS_RESIDENT_BYTES:
        return (double)v->proc.resident_bytes;
    case Q_PROCESS_START_TIME_SECONDS:
        return v->proc.start_time_seconds;
    default:
        return NAN;
    }
}

/* switchsim_http_requests_total: a series per (handler, code) seen; no family without one. */
static int write_requests_row(struct expo *w, const struct request_counts *rc,
                              const struct metric_def *row)
{
    if (!rc)
        return 0;
    int begun = 0;
    for (size_t h = 0; h < rc->n_handlers; h++)
        for (size_t c = 0; c < REQUEST_N_CODES; c++) {
            uint64_t n = __atomic_load_n(&rc->counts[h * REQUEST_N_CODES + c], __ATOMIC_RELAXED);
            if (!n)
                continue;
            if (!begun && expo_begin_family(w, &row->family) < 0)
                return -1;
            begun = 1;
            char code[16];
            if (request_codes[c])
                snprintf(code, sizeof(code), "%u", request_codes[c]);
            else
                snprintf(code, sizeof(code), "other");
            static const char *const names[] = {"handler", "code"};
            const char *values[] = {rc->handlers[h], code};
            struct strbuf sb;
            strbuf_init(&sb, 128, 4096);
            struct expo_labels labels = {sb.data, expo_labels_append(&sb, names, values, 2)};
            labels.text = sb.data;
            int rc_sample = expo_sample_u64(w, &labels, n);
            strbuf_cleanup(&sb);
            if (rc_sample < 0)
                return -1;
        }
    return 0;
}

/* switchsim_fault_active: a series per fault in effect at the tick; none, no family. */
static int write_faults_row(struct expo *w, const struct sim *sim, const struct metric_def *row)
{
    const struct fault_set *set = sim_faults(sim);
    uint64_t tick = sim_tick(sim);
    int begun = 0;
    for (size_t i = 0; i < set->n; i++) {
        const struct fault *f = &set->faults[i];
        if (!fault_active(f, tick))
            continue;
        if (!begun && expo_begin_family(w, &row->family) < 0)
            return -1;
        begun = 1;
        char id[24];
        snprintf(id, sizeof(id), "%llu", (unsigned long long)f->id);
        static const char *const names[] = {"id", "kind", "target", "source"};
        const char *values[] = {id, fault_kinds[f->kind].name, f->target_name, f->source};
        struct strbuf sb;
        strbuf_init(&sb, 256, 8192);
        struct expo_labels labels = {sb.data, expo_labels_append(&sb, names, values, 4)};
        labels.text = sb.data;
        int rc = expo_sample_u64(w, &labels, 1);
        strbuf_cleanup(&sb);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* switchsim_remote_write_*: one series each, only while remote write is on. */
static int write_remote_write_row(struct expo *w, const struct remote_write_counts *rw,
                                  const struct metric_def *row)
{
    static const struct expo_labels none = {"", 0};
    if (!rw)
        return 0;
    const uint64_t *field;
    switch (row->quantity) {
    case Q_SELF_RW_SENT:
        field = &rw->sent;
        break;
    case Q_SELF_RW_FAILED:
        field = &rw->failed;
        break;
    case Q_SELF_RW_RETRIED:
        field = &rw->retried;
        break;
    case Q_SELF_RW_DROPPED:
        field = &rw->dropped;
        break;
    case Q_SELF_RW_PENDING:
        field = &rw->pending;
        break;
    default:
        return expo_fail(w, "no remote-write value for the family", row->family.name);
    }
    if (expo_begin_family(w, &row->family) < 0)
        return -1;
    return expo_sample_u64(w, &none, __atomic_load_n(field, __ATOMIC_RELAXED));
}

static int write_self_row(struct expo *w, const struct self_values *v, const struct metric_def *row)
{
    static const struct expo_labels none = {"", 0};
    if (row->dim == DIM_REQUESTS)
        return write_requests_row(w, v->ctx->requests, row);
    if (row->dim == DIM_FAULTS)
        return write_faults_row(w, v->ctx->sim, row);
    if (row->dim == DIM_REMOTE_WRITE)
        return write_remote_write_row(w, v->ctx->remote_write, row);
    if (expo_begin_family(w, &row->family) < 0)
        return -1;
    if (row->dim == DIM_FORMAT) {
        for (size_t f = 0; f < EXPO_FORMAT_COUNT; f++)
            if (expo_sample_double(w, &v->c->format_labels[f], self_value(v, row->quantity, f)) < 0)
                return -1;
        return 0;
    }
    const struct expo_labels *labels = row->quantity == Q_SELF_SHARD_INFO ? &v->c->shard_labels
                                       : row->family.type == METRIC_INFO  ? &v->c->build_labels
                                                                          : &none;
    return expo_sample_double(w, labels, self_value(v, row->quantity, 0));
}

static int collect_self(struct expo *w, const struct scrape_ctx *ctx, void *user)
{
    if (!(ctx->sel.families & catalog_scope_rows(SCOPE_SELF)))
        return 0;
    struct self_values v = {.c = user, .ctx = ctx};
    procstat_read(&v.proc); /* on failure the process_* values are 0, as documented */
    for (size_t r = 0; r < catalog_n_rows; r++) {
        const struct metric_def *row = &catalog_rows[r];
        if (row->scope == SCOPE_SELF && (ctx->sel.families >> r & 1) &&
            write_self_row(w, &v, row) < 0)
            return -1;
    }
    return 0;
}

int collectors_register(struct collectors *c, struct registry *reg)
{
    if (registry_add(reg, "devices", collect_devices, c) < 0 ||
        registry_add(reg, "ports", collect_ports, c) < 0 ||
        registry_add(reg, "self", collect_self, c) < 0)
        return -1;
    return 0;
}
