/* model.c - fleet storage: arena, device list, defaults, string set. */
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

#define ARENA_CHUNK_BYTES (64 * 1024)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used;
    size_t size;
    _Alignas(16) unsigned char data[];
};

struct fleet *fleet_new(void)
{
    struct fleet *fleet = xcalloc(1, sizeof(*fleet));
    fleet->tick_ms = MODEL_DEFAULT_TICK_MS;
    return fleet;
}

void fleet_free(struct fleet *fleet)
{
    if (!fleet)
        return;
    struct arena_chunk *c = fleet->arena;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(fleet->devices);
    free(fleet);
}

void *fleet_alloc(struct fleet *fleet, size_t size_bytes)
{
    size_t need = (size_bytes + 15) & ~(size_t)15;
    struct arena_chunk *c = fleet->arena;
    if (!c || c->size - c->used < need) {
        size_t size = need > ARENA_CHUNK_BYTES ? need : ARENA_CHUNK_BYTES;
        c = xmalloc(sizeof(*c) + size);
        c->size = size;
        c->used = 0;
        if (fleet->arena && need > ARENA_CHUNK_BYTES) {
            /* A big block goes behind the current chunk so its free space stays usable. */
            c->next = fleet->arena->next;
            fleet->arena->next = c;
        } else {
            c->next = fleet->arena;
            fleet->arena = c;
        }
    }
    void *p = c->data + c->used;
    c->used += need;
    memset(p, 0, need);
    return p;
}

const char *fleet_strdup(struct fleet *fleet, const char *s)
{
    size_t len = strlen(s);
    char *p = fleet_alloc(fleet, len + 1);
    memcpy(p, s, len + 1);
    return p;
}

struct device *fleet_add_device(struct fleet *fleet, const struct device *dev)
{
    if (fleet->n_devices == fleet->cap_devices) {
        fleet->cap_devices = fleet->cap_devices ? fleet->cap_devices * 2 : 16;
        fleet->devices = xrealloc(fleet->devices, fleet->cap_devices * sizeof(*fleet->devices));
    }
    struct device *slot = &fleet->devices[fleet->n_devices++];
    *slot = *dev;
    slot->first_port_index = fleet->n_ports;
    fleet->n_ports += dev->n_ports;
    return slot;
}

uint64_t fleet_series_count(const struct fleet *fleet)
{
    return (uint64_t)fleet->n_ports * MODEL_SERIES_PER_PORT +
           (uint64_t)fleet->n_devices * MODEL_SERIES_PER_DEVICE + MODEL_SELF_SERIES;
}

void port_spec_defaults(struct port_spec *spec)
{
    memset(spec, 0, sizeof(*spec));
    spec->type = "ethernet";
    spec->description = "";
    spec->speed_bps = 10000000000ULL; /* 10G */
    spec->buffer_capacity_bytes = 4ULL * 1024 * 1024;
    spec->buffer_drain_ms = 5000;
    spec->traffic.utilization = 0.3;
    spec->traffic.daily_swing = 0.3;
    spec->traffic.peak_hour_utc = 15.0;
    spec->traffic.noise = 0.15;
    spec->traffic.noise_period_ms = 5 * 60 * 1000;
    spec->traffic.port_spread = 0.3;
    spec->traffic.bursts_per_hour = 2.0;
    spec->traffic.burst_duration_ms = 20000;
    spec->traffic.burst_factor = 3.0;
    spec->traffic.packet_size_bytes = 800;
    spec->traffic.rx_error_ratio = 1e-9;
    spec->link.mtbf_ms = 0;
    spec->link.mttr_ms = 60000;
    spec->link.pin = LINK_PIN_NONE;
}

/* FNV-1a: short keys, no adversary (names come from the operator's own profiles). */
static size_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)h;
}

void strset_init(struct strset *set)
{
    set->cap = 64;
    set->count = 0;
    set->slots = xcalloc(set->cap, sizeof(*set->slots));
}

void strset_cleanup(struct strset *set)
{
    free(set->slots);
    set->slots = NULL;
    set->cap = set->count = 0;
}

static size_t strset_find(const struct strset *set, const char *s)
{
    size_t i = str_hash(s) & (set->cap - 1);
    while (set->slots[i] && strcmp(set->slots[i], s) != 0)
        i = (i + 1) & (set->cap - 1);
    return i;
}

int strset_contains(const struct strset *set, const char *s)
{
    return set->slots[strset_find(set, s)] != NULL;
}

int strset_add(struct strset *set, const char *s)
{
    if ((set->count + 1) * 2 > set->cap) {
        struct strset bigger = {xcalloc(set->cap * 2, sizeof(*set->slots)), set->cap * 2, 0};
        for (size_t i = 0; i < set->cap; i++)
            if (set->slots[i])
                bigger.slots[strset_find(&bigger, set->slots[i])] = set->slots[i];
        bigger.count = set->count;
        free(set->slots);
        *set = bigger;
    }
    size_t i = strset_find(set, s);
    if (set->slots[i])
        return 0;
    set->slots[i] = s;
    set->count++;
    return 1;
}
