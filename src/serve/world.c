/* world.c - a fleet, its simulation and its label sets as one refcounted object. */
#include "serve/world.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xalloc.h"

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const struct world_name *)a)->name, ((const struct world_name *)b)->name);
}

struct world *world_new_at(struct fleet *fleet, const struct world_params *params, uint64_t tick)
{
    struct world *w = xcalloc(1, sizeof(*w));
    w->params = *params;
    w->fleet = fleet;
    fault_set_init(&w->scenario);
    struct errbuf err;
    if (fault_scenario_faults(fleet, tick, &w->scenario, &err) < 0)
        log_warn("scenario event left out", LOG_STR("reason", err.msg));
    w->sim = sim_new_faulted(fleet, params->seed, &w->scenario, tick);
    w->collectors = collectors_new(fleet, &params->build, params->process_start_ms);
    collectors_set_shard(w->collectors, params->shard);
    registry_init(&w->reg);
    collectors_register(w->collectors, &w->reg);
    w->devices_by_name =
        xcalloc(fleet->n_devices ? fleet->n_devices : 1, sizeof(struct world_name));
    for (size_t d = 0; d < fleet->n_devices; d++)
        w->devices_by_name[d] = (struct world_name){fleet->devices[d].name, d};
    qsort(w->devices_by_name, fleet->n_devices, sizeof(struct world_name), cmp_name);
    w->n_served = fleet->n_devices;
    if (params->shard.count > 1)
        w->served = shard_select(fleet, params->shard, &w->n_served);
    w->refs = 1;
    return w;
}

void world_retain(struct world *w)
{
    __atomic_add_fetch(&w->refs, 1, __ATOMIC_RELAXED);
}

void world_release(struct world *w)
{
    if (!w || __atomic_sub_fetch(&w->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    collectors_free(w->collectors);
    sim_free(w->sim);
    fault_set_cleanup(&w->scenario);
    free(w->devices_by_name);
    free(w->served);
    fleet_free(w->fleet);
    free(w);
}

long world_find_device(const struct world *w, const char *name)
{
    size_t lo = 0, hi = w->fleet->n_devices;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(w->devices_by_name[mid].name, name);
        if (c == 0)
            return (long)w->devices_by_name[mid].index;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

long world_find_port(const struct world *w, const char *device, const char *port)
{
    long d = world_find_device(w, device);
    if (d < 0)
        return -1;
    const struct device *dev = &w->fleet->devices[d];
    for (size_t p = 0; p < dev->n_ports; p++)
        if (strcmp(dev->ports[p].name, port) == 0)
            return (long)(dev->first_port_index + p);
    return -1;
}

/* A port's index in `dev` by name: the same position first (the usual reload), else a scan. */
static long port_in(const struct device *dev, const char *name, size_t hint)
{
    if (hint < dev->n_ports && strcmp(dev->ports[hint].name, name) == 0)
        return (long)hint;
    for (size_t p = 0; p < dev->n_ports; p++)
        if (strcmp(dev->ports[p].name, name) == 0)
            return (long)p;
    return -1;
}

long *world_port_map(const struct world *to, const struct world *from, size_t *carried)
{
    const struct fleet *f = to->fleet;
    long *map = xcalloc(f->n_ports ? f->n_ports : 1, sizeof(*map));
    *carried = 0;
    for (size_t d = 0; d < f->n_devices; d++) {
        const struct device *dev = &f->devices[d];
        long od = world_find_device(from, dev->name);
        for (size_t p = 0; p < dev->n_ports; p++) {
            long op = -1;
            if (od >= 0) {
                const struct device *old = &from->fleet->devices[od];
                op = port_in(old, dev->ports[p].name, p);
                if (op >= 0)
                    op += (long)old->first_port_index;
            }
            map[dev->first_port_index + p] = op;
            *carried += op >= 0;
        }
    }
    return map;
}
