/* model.c - fleet storage: arena, device list, string set and map. */
#include "model/model.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/xalloc.h"

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
    arena_free(&fleet->arena);
    free(fleet->devices);
    free(fleet->links);
    free(fleet);
}

void *fleet_alloc(struct fleet *fleet, size_t size_bytes)
{
    return arena_alloc(&fleet->arena, size_bytes);
}

const char *fleet_strdup(struct fleet *fleet, const char *s)
{
    return fleet_strndup(fleet, s, strlen(s));
}

const char *fleet_strndup(struct fleet *fleet, const char *s, size_t len)
{
    return arena_strndup(&fleet->arena, s, len);
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

void fleet_add_link(struct fleet *fleet, size_t a, size_t b)
{
    if (fleet->n_links == fleet->cap_links) {
        fleet->cap_links = fleet->cap_links ? fleet->cap_links * 2 : 16;
        fleet->links = xrealloc(fleet->links, fleet->cap_links * sizeof(*fleet->links));
    }
    fleet->links[fleet->n_links++] = (struct fleet_link){a, b};
}

/* A per-process random key, so a profile cannot be crafted to make every name collide
 * (which would make loading quadratic): read once, from getrandom() or, failing that, the
 * clock, the pid and an address. */
static uint64_t hash_key;
static pthread_once_t hash_key_once = PTHREAD_ONCE_INIT;

static void hash_key_init(void)
{
    uint64_t key = 0;
    if (getrandom(&key, sizeof(key), GRND_NONBLOCK) != (ssize_t)sizeof(key)) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        key = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)getpid() ^
              (uint64_t)(uintptr_t)&key;
    }
    hash_key = key;
}

/* FNV-1a from a keyed start, then a full mix so the low bits (the slot) depend on every
 * bit of the state. */
static size_t str_hash(const char *s)
{
    pthread_once(&hash_key_once, hash_key_init);
    uint64_t h = 1469598103934665603ULL ^ hash_key;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
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

void strmap_init(struct strmap *map)
{
    map->cap = 64;
    map->count = 0;
    map->slots = xcalloc(map->cap, sizeof(*map->slots));
}

void strmap_cleanup(struct strmap *map)
{
    free(map->slots);
    map->slots = NULL;
    map->cap = map->count = 0;
}

static size_t strmap_find(const struct strmap *map, const char *key)
{
    size_t i = str_hash(key) & (map->cap - 1);
    while (map->slots[i].key && strcmp(map->slots[i].key, key) != 0)
        i = (i + 1) & (map->cap - 1);
    return i;
}

int strmap_get(const struct strmap *map, const char *key, size_t *value)
{
    size_t i = strmap_find(map, key);
    if (!map->slots[i].key)
        return 0;
    *value = map->slots[i].value;
    return 1;
}

int strmap_put(struct strmap *map, const char *key, size_t value, size_t *existing)
{
    if ((map->count + 1) * 2 > map->cap) {
        struct strmap bigger = {xcalloc(map->cap * 2, sizeof(*map->slots)), map->cap * 2, 0};
        for (size_t i = 0; i < map->cap; i++)
            if (map->slots[i].key)
                bigger.slots[strmap_find(&bigger, map->slots[i].key)] = map->slots[i];
        bigger.count = map->count;
        free(map->slots);
        *map = bigger;
    }
    size_t i = strmap_find(map, key);
    if (map->slots[i].key) {
        if (existing)
            *existing = map->slots[i].value;
        return 0;
    }
    map->slots[i].key = key;
    map->slots[i].value = value;
    map->count++;
    return 1;
}
