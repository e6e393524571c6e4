/* fault.c - the kinds of fault, their validation and their time patterns (fault.h). */
#include "model/fault.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/xalloc.h"

const struct fault_kind_info fault_kinds[FAULT_KIND_COUNT] = {
    [FAULT_LINK_CUT] = {.name = "link_cut",
                        .summary = "the cable is cut: the port and the far end of its link go down",
                        .target = FAULT_ON_PORT},
    [FAULT_ADMIN_DOWN] = {.name = "admin_down",
                          .summary = "the port is shut down by an operator (admin and oper down)",
                          .target = FAULT_ON_PORT},
    [FAULT_FLAP] = {.name = "flap",
                    .summary = "the link goes down for half of every interval, count times",
                    .params = {{"interval", "s", 2000, 86400000, 20000, FAULT_P_INTERVAL_MS},
                               {"count", "", 1, 10000, 5, FAULT_P_FLAPS}},
                    .n_params = 2,
                    .target = FAULT_ON_PORT},
    [FAULT_REBOOT] = {.name = "reboot",
                      .summary = "the device reboots: ports down while booting, counters restart",
                      .target = FAULT_ON_DEVICE},
    [FAULT_CONGESTION] = {.name = "congestion",
                          .summary = "a host-facing port drains at 1/factor of line rate "
                                     "(incast): queue full, drops, watermark at the buffer size",
                          .params = {{"factor", "", 1.5, 1000, 4, FAULT_P_FACTOR}},
                          .n_params = 1,
                          .target = FAULT_ON_PORT},
    [FAULT_ERROR_BURST] = {.name = "error_burst",
                           .summary = "errored frames (CRC) arrive on the port while it is up",
                           .params = {{"rate", "/s", 0.001, 1e7, 100, FAULT_P_RATE}},
                           .n_params = 1,
                           .target = FAULT_ON_PORT},
    [FAULT_BROADCAST_STORM] = {.name = "broadcast_storm",
                               .summary = "a loop or a broken NIC: `rate` broadcast frames per "
                                          "second enter a host-facing port and are flooded out "
                                          "of every other up host-facing port of the device",
                               .params = {{"rate", "/s", 1, 1e8, 200000, FAULT_P_RATE}},
                               .n_params = 1,
                               .target = FAULT_ON_PORT},
    [FAULT_PROBE_SLOW] = {.name = "probe_slow",
                          .summary = "/probe of the device answers only after the delay",
                          .params = {{"delay", "s", 1, 120000, 15000, FAULT_P_DELAY_MS}},
                          .n_params = 1,
                          .target = FAULT_ON_DEVICE},
    [FAULT_PROBE_ERROR] = {.name = "probe_error",
                           .summary = "/probe of the device answers 503 Service Unavailable",
                           .target = FAULT_ON_DEVICE},
    [FAULT_PROBE_HANG] = {.name = "probe_hang",
                          .summary = "/probe of the device never answers: the scraper times out",
                          .target = FAULT_ON_DEVICE},
};

const struct incident incidents[INCIDENT_COUNT] = {
    {"fibre_cut",
     FAULT_ON_PORT,
     "the cable is cut for 5 minutes",
     {{FAULT_LINK_CUT, 0, 300000, FAULT_PARAM_SLOTS, 0}},
     1},
    {"flapping_optic",
     FAULT_ON_PORT,
     "a failing optic: CRC errors for 3 minutes, then a flap every 20 s, 5 times",
     {{FAULT_ERROR_BURST, 0, 180000, FAULT_P_RATE, 200},
      {FAULT_FLAP, 180000, 0, FAULT_P_INTERVAL_MS, 20000}},
     2},
    {"incast_congestion",
     FAULT_ON_PORT,
     "incast: the port drains at a quarter of what it is sent for 3 minutes",
     {{FAULT_CONGESTION, 0, 180000, FAULT_P_FACTOR, 4}},
     1},
    {"probe_outage",
     FAULT_ON_DEVICE,
     "the device's /probe does not answer for 2 minutes",
     {{FAULT_PROBE_HANG, 0, 120000, FAULT_PARAM_SLOTS, 0}},
     1},
};

const struct incident *incident_by_name(const char *name)
{
    for (size_t i = 0; i < INCIDENT_COUNT; i++)
        if (strcmp(incidents[i].name, name) == 0)
            return &incidents[i];
    return NULL;
}

uint64_t incident_span_ms(const struct incident *inc)
{
    uint64_t end = 0;
    for (size_t i = 0; i < inc->n_steps; i++) {
        const struct incident_step *st = &inc->steps[i];
        uint64_t len = st->for_ms;
        if (st->kind == FAULT_FLAP) /* count x interval, the kind's defaults where unset */
            len = (uint64_t)fault_kinds[FAULT_FLAP].params[0].def *
                  (uint64_t)fault_kinds[FAULT_FLAP].params[1].def;
        if (st->kind == FAULT_FLAP && st->slot == FAULT_P_INTERVAL_MS)
            len = (uint64_t)st->value * (uint64_t)fault_kinds[FAULT_FLAP].params[1].def;
        if (st->offset_ms + len > end)
            end = st->offset_ms + len;
    }
    return end;
}

void fault_set_init(struct fault_set *set)
{
    memset(set, 0, sizeof(*set));
    set->next_id = 1;
}

void fault_set_cleanup(struct fault_set *set)
{
    free(set->faults);
    memset(set, 0, sizeof(*set));
}

void fault_set_copy(struct fault_set *dst, const struct fault_set *src)
{
    free(dst->faults);
    *dst = *src;
    dst->faults = NULL;
    dst->cap = src->n;
    if (src->n) {
        dst->faults = xmalloc(src->n * sizeof(*dst->faults));
        memcpy(dst->faults, src->faults, src->n * sizeof(*dst->faults));
    }
}

int fault_kind_by_name(const char *name)
{
    for (int k = 0; k < FAULT_KIND_COUNT; k++)
        if (strcmp(fault_kinds[k].name, name) == 0)
            return k;
    return -1;
}

int fault_resolve_target(struct fault *f, const struct fleet *fleet, const char *target,
                         struct errbuf *err)
{
    const struct fault_kind_info *k = &fault_kinds[f->kind];
    const char *colon = strchr(target, ':');
    size_t dev_len = colon ? (size_t)(colon - target) : strlen(target);
    if (k->target == FAULT_ON_DEVICE && colon) {
        errbuf_set(err, "%s targets a device (\"DEVICE\"), not a port: \"%s\"", k->name, target);
        return -1;
    }
    if (k->target == FAULT_ON_PORT && !colon) {
        errbuf_set(err, "%s targets a port (\"DEVICE:PORT\"), not \"%s\"", k->name, target);
        return -1;
    }
    if (strlen(target) >= sizeof(f->target_name)) {
        errbuf_set(err, "target is longer than %zu bytes", sizeof(f->target_name) - 1);
        return -1;
    }
    for (size_t d = 0; d < fleet->n_devices; d++) {
        const struct device *dev = &fleet->devices[d];
        if (strlen(dev->name) != dev_len || memcmp(dev->name, target, dev_len) != 0)
            continue;
        f->device = d;
        f->port = -1;
        snprintf(f->target_name, sizeof(f->target_name), "%s", target);
        if (!colon)
            return 0;
        for (size_t p = 0; p < dev->n_ports; p++)
            if (strcmp(dev->ports[p].name, colon + 1) == 0) {
                f->port = (long)(dev->first_port_index + p);
                break;
            }
        if (f->port < 0) {
            errbuf_set(err, "device %s has no port \"%s\"", dev->name, colon + 1);
            return -1;
        }
        if (f->kind == FAULT_CONGESTION || f->kind == FAULT_BROADCAST_STORM)
            for (size_t l = 0; l < fleet->n_links; l++)
                if (fleet->links[l].a == (size_t)f->port || fleet->links[l].b == (size_t)f->port) {
                    errbuf_set(err,
                               "%s applies to host-facing ports; %s is in a link (its frames "
                               "would break the far end's count)",
                               fault_kinds[f->kind].name, target);
                    return -1;
                }
        return 0;
    }
    errbuf_set(err, "no device \"%.*s\"", (int)(dev_len > 255 ? 255 : dev_len), target);
    return -1;
}

int fault_set_param(struct fault *f, const char *name, double value, struct errbuf *err)
{
    const struct fault_kind_info *k = &fault_kinds[f->kind];
    for (size_t i = 0; i < k->n_params; i++) {
        const struct fault_param_info *p = &k->params[i];
        if (strcmp(p->name, name) != 0)
            continue;
        if (!(value >= p->min && value <= p->max)) { /* also refuses NaN */
            if (strcmp(p->unit, "s") == 0)
                errbuf_set(err, "%s of %s must be from %gs to %gs", name, k->name, p->min / 1000.0,
                           p->max / 1000.0);
            else
                errbuf_set(err, "%s of %s must be from %g to %g", name, k->name, p->min, p->max);
            return -1;
        }
        if (p->slot == FAULT_P_FLAPS && value != floor(value)) {
            errbuf_set(err, "%s of %s must be a whole number", name, k->name);
            return -1;
        }
        f->param[p->slot] = value;
        return 0;
    }
    if (k->n_params == 0)
        errbuf_set(err, "%s takes no parameter, not \"%s\"", k->name, name);
    else if (k->n_params == 1)
        errbuf_set(err, "%s takes the parameter %s, not \"%s\"", k->name, k->params[0].name, name);
    else
        errbuf_set(err, "%s takes the parameters %s and %s, not \"%s\"", k->name, k->params[0].name,
                   k->params[1].name, name);
    return -1;
}

static uint64_t ms_to_ticks(double ms, uint64_t tick_ms)
{
    double t = ceil(ms / (double)tick_ms);
    return t < 1.0 ? 1 : (uint64_t)t;
}

int fault_finish(struct fault *f, uint64_t tick_ms, struct errbuf *err)
{
    const struct fault_kind_info *k = &fault_kinds[f->kind];
    for (size_t i = 0; i < k->n_params; i++)
        if (f->param[k->params[i].slot] == 0.0)
            f->param[k->params[i].slot] = k->params[i].def;
    if (f->kind == FAULT_FLAP) {
        f->flap_ticks = ms_to_ticks(f->param[FAULT_P_INTERVAL_MS], tick_ms);
        if (f->flap_ticks < 2) {
            errbuf_set(err, "the flap interval must be at least two ticks (%" PRIu64 " ms)",
                       2 * tick_ms);
            return -1;
        }
        if (f->duration_ticks == UINT64_MAX)
            f->duration_ticks = f->flap_ticks * (uint64_t)f->param[FAULT_P_FLAPS];
    }
    if (f->duration_ticks == 0) {
        errbuf_set(err, "a fault lasts at least one tick (%" PRIu64 " ms)", tick_ms);
        return -1;
    }
    if (f->period_ticks && f->duration_ticks != UINT64_MAX && f->period_ticks < f->duration_ticks) {
        errbuf_set(err,
                   "a fault that repeats lasts at most its period (every %" PRIu64
                   " ms, for %" PRIu64 " ms)",
                   f->period_ticks * tick_ms, f->duration_ticks * tick_ms);
        return -1;
    }
    if (f->period_ticks && f->duration_ticks == UINT64_MAX) {
        errbuf_set(err, "a fault that repeats needs a duration (for:)");
        return -1;
    }
    return 0;
}

int fault_set_add(struct fault_set *set, const struct fault *f, uint64_t *id, struct errbuf *err)
{
    if (set->n >= FAULT_MAX) {
        errbuf_set(err, "%d faults are held already (the limit); delete some first", FAULT_MAX);
        return -1;
    }
    if (set->n == set->cap) {
        set->cap = set->cap ? 2 * set->cap : 16;
        set->faults = xrealloc(set->faults, set->cap * sizeof(*set->faults));
    }
    struct fault *g = &set->faults[set->n++];
    *g = *f;
    g->id = set->next_id++;
    if (id)
        *id = g->id;
    set->generation++;
    return 0;
}

uint64_t fault_end(const struct fault *f)
{
    if (f->duration_ticks == UINT64_MAX)
        return UINT64_MAX;
    if (f->period_ticks == 0)
        return f->start_tick + f->duration_ticks;
    if (f->count == 0)
        return UINT64_MAX;
    return f->start_tick + (f->count - 1) * f->period_ticks + f->duration_ticks;
}

int fault_set_end(struct fault_set *set, uint64_t id, uint64_t end_tick)
{
    for (size_t i = 0; i < set->n; i++) {
        struct fault *f = &set->faults[i];
        if (f->id != id)
            continue;
        if (f->period_ticks)
            return -2;
        if (end_tick <= f->start_tick) /* never took effect: forget it */
            set->faults[i] = set->faults[--set->n];
        else if (fault_end(f) <= end_tick)
            return -1;
        else
            f->duration_ticks = end_tick - f->start_tick;
        set->generation++;
        return 0;
    }
    return -1;
}

void fault_set_prune(struct fault_set *set, uint64_t tick)
{
    size_t w = 0;
    for (size_t i = 0; i < set->n; i++)
        if (fault_end(&set->faults[i]) >= tick)
            set->faults[w++] = set->faults[i];
    if (w != set->n) {
        set->n = w;
        set->generation++;
    }
}

int fault_last_start(const struct fault *f, uint64_t t, uint64_t *start)
{
    if (t < f->start_tick)
        return 0;
    if (f->period_ticks == 0) {
        *start = f->start_tick;
        return 1;
    }
    uint64_t k = (t - f->start_tick) / f->period_ticks;
    if (f->count && k >= f->count)
        k = f->count - 1;
    *start = f->start_tick + k * f->period_ticks;
    return 1;
}

uint64_t fault_next_start(const struct fault *f, uint64_t t)
{
    if (t < f->start_tick)
        return f->start_tick;
    if (f->period_ticks == 0)
        return UINT64_MAX;
    uint64_t k = (t - f->start_tick) / f->period_ticks + 1;
    if (f->count && k >= f->count)
        return UINT64_MAX;
    return f->start_tick + k * f->period_ticks;
}

int fault_active(const struct fault *f, uint64_t t)
{
    uint64_t s;
    if (!fault_last_start(f, t, &s))
        return 0;
    if (f->duration_ticks != UINT64_MAX && t - s >= f->duration_ticks)
        return 0;
    return !f->flap_ticks || (t - s) % f->flap_ticks < f->flap_ticks / 2;
}

/* The next tick after t where an occurrence or flap phase begins or ends (some of which
 * change nothing: the end of a flap's last, up, phase). */
static uint64_t next_boundary(const struct fault *f, uint64_t t)
{
    if (t < f->start_tick)
        return f->start_tick;
    uint64_t s, next = UINT64_MAX;
    fault_last_start(f, t, &s);
    if (f->duration_ticks == UINT64_MAX || t < s + f->duration_ticks) {
        if (f->duration_ticks != UINT64_MAX)
            next = s + f->duration_ticks;
        if (f->flap_ticks) {
            uint64_t o = t - s, half = f->flap_ticks / 2;
            uint64_t base = o / f->flap_ticks * f->flap_ticks;
            uint64_t inner = s + base + (o - base < half ? half : f->flap_ticks);
            if (inner < next)
                next = inner;
        }
        return next;
    }
    if (f->period_ticks == 0)
        return UINT64_MAX;
    uint64_t k = (s - f->start_tick) / f->period_ticks + 1;
    if (f->count && k >= f->count)
        return UINT64_MAX;
    return f->start_tick + k * f->period_ticks;
}

uint64_t fault_next_change(const struct fault *f, uint64_t t)
{
    int now = fault_active(f, t);
    uint64_t n = next_boundary(f, t);
    for (int guard = 0; n != UINT64_MAX && fault_active(f, n) == now && guard < 4; guard++)
        n = next_boundary(f, n);
    return n;
}

uint64_t fault_active_ticks(const struct fault *f, uint64_t a, uint64_t b)
{
    uint64_t n = 0, t = a;
    /* walks occurrences; bounded by the span's occurrences (callers pass epochs) */
    for (int guard = 0; t < b && guard < 1000000; guard++) {
        uint64_t next = fault_next_change(f, t);
        uint64_t hi = next < b ? next : b;
        if (fault_active(f, t))
            n += hi - t;
        if (next == UINT64_MAX)
            break;
        t = next;
    }
    return n;
}

void fault_to_json(const struct fault *f, uint64_t tick_ms, struct strbuf *sb)
{
    const struct fault_kind_info *k = &fault_kinds[f->kind];
    strbuf_appendf(sb, "{\"id\":%" PRIu64 ",\"kind\":", f->id);
    json_put_string(sb, k->name, strlen(k->name));
    strbuf_puts(sb, ",\"target\":");
    json_put_string(sb, f->target_name, strlen(f->target_name));
    strbuf_puts(sb, ",\"source\":");
    json_put_string(sb, f->source, strlen(f->source));
    strbuf_puts(sb, ",\"params\":{");
    for (size_t i = 0; i < k->n_params; i++) {
        double v = f->param[k->params[i].slot];
        if (strcmp(k->params[i].unit, "s") == 0)
            v /= 1000.0;
        strbuf_appendf(sb, "%s\"%s\":%.17g", i ? "," : "", k->params[i].name, v);
    }
    strbuf_appendf(sb, "},\"start_ms\":%" PRIu64, f->start_tick * tick_ms);
    uint64_t end = fault_end(f);
    if (end == UINT64_MAX)
        strbuf_puts(sb, ",\"end_ms\":null");
    else
        strbuf_appendf(sb, ",\"end_ms\":%" PRIu64, end * tick_ms);
    if (f->period_ticks)
        strbuf_appendf(sb, ",\"every_ms\":%" PRIu64 ",\"for_ms\":%" PRIu64 ",\"count\":%" PRIu64,
                       f->period_ticks * tick_ms, f->duration_ticks * tick_ms, f->count);
    strbuf_puts(sb, "}");
}

int fault_spec_expand(const struct fault_spec *spec, const struct fleet *fleet, uint64_t start_tick,
                      struct fault *out, size_t max, size_t *n, struct errbuf *err)
{
    uint64_t tick_ms = fleet->tick_ms;
    struct incident_step single = {(enum fault_kind)spec->kind, 0, spec->duration_ms,
                                   FAULT_PARAM_SLOTS, 0};
    const struct incident_step *steps = spec->incident ? spec->incident->steps : &single;
    size_t n_steps = spec->incident ? spec->incident->n_steps : 1;
    if (spec->incident && (spec->n_params || spec->duration_ms))
        return errbuf_set(err, "the incident %s has its own duration and parameters",
                          spec->incident->name);
    if (spec->every_ms && spec->incident && incident_span_ms(spec->incident) > spec->every_ms)
        return errbuf_set(err, "the incident %s lasts %llu s, longer than every %llu s",
                          spec->incident->name,
                          (unsigned long long)(incident_span_ms(spec->incident) / 1000),
                          (unsigned long long)(spec->every_ms / 1000));
    if (spec->duration_ms > FAULT_MAX_DURATION_MS || spec->every_ms > FAULT_MAX_DURATION_MS)
        return errbuf_set(err, "durations are at most %llu days",
                          (unsigned long long)(FAULT_MAX_DURATION_MS / 86400000ULL));
    *n = 0;
    for (size_t i = 0; i < n_steps; i++) {
        if (*n >= max)
            return errbuf_set(err, "too many faults at once");
        struct fault *f = &out[*n];
        memset(f, 0, sizeof(*f));
        f->kind = steps[i].kind;
        f->source = spec->source;
        f->start_relative = spec->start_relative;
        for (size_t k = 0; k < spec->n_params; k++)
            if (fault_set_param(f, spec->param_names[k], spec->param_values[k], err) < 0)
                return -1;
        if (steps[i].slot != FAULT_PARAM_SLOTS)
            f->param[steps[i].slot] = steps[i].value;
        if (fault_resolve_target(f, fleet, spec->target, err) < 0)
            return -1;
        f->start_tick = start_tick + (steps[i].offset_ms + tick_ms - 1) / tick_ms;
        f->duration_ticks =
            steps[i].for_ms ? (steps[i].for_ms + tick_ms - 1) / tick_ms : UINT64_MAX;
        if (f->kind == FAULT_REBOOT && f->duration_ticks == UINT64_MAX)
            f->duration_ticks = 1; /* a reboot is an instant; booting is the device's */
        if (spec->every_ms) {
            f->period_ticks = (spec->every_ms + tick_ms - 1) / tick_ms;
            f->count = spec->count;
        }
        if (fault_finish(f, tick_ms, err) < 0)
            return -1;
        (*n)++;
    }
    return 0;
}

int fault_scenario_faults(const struct fleet *fleet, uint64_t load_tick, struct fault_set *set,
                          struct errbuf *err)
{
    int rc = 0;
    uint64_t tick_ms = fleet->tick_ms;
    for (size_t i = 0; i < fleet->n_scenario; i++) {
        const struct scenario_event *ev = &fleet->scenario[i];
        uint64_t start = ev->spec.start_relative ? load_tick + (ev->at_ms + tick_ms - 1) / tick_ms
                                                 : (ev->at_ms + tick_ms - 1) / tick_ms;
        struct fault made[4];
        size_t n = 0;
        struct errbuf why;
        if (fault_spec_expand(&ev->spec, fleet, start, made, 4, &n, &why) < 0) {
            rc = errbuf_set(err, "scenario event %s: %s", ev->spec.source, why.msg);
            continue;
        }
        for (size_t k = 0; k < n; k++)
            if (fault_set_add(set, &made[k], NULL, &why) < 0)
                return errbuf_set(err, "scenario event %s: %s", ev->spec.source, why.msg);
    }
    return rc;
}
