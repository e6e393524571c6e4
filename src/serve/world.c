/* world.c - a fleet, its simulation and its label sets as one refcounted object. */
#include "serve/world.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const struct world_name *)a)->name, ((const struct world_name *)b)->name);
}

struct world *world_new(struct fleet *fleet, const struct world_params *params)
{
    struct world *w = xcalloc(1, sizeof(*w));
    w->fleet = fleet;
    w->sim = sim_new(fleet, params->seed, params->start_ms);
    w->collectors = collectors_new(fleet, &params->build, params->process_start_ms);
    registry_init(&w->reg);
    collectors_register(w->collectors, &w->reg);
    w->devices_by_name =
        xcalloc(fleet->n_devices ? fleet->n_devices : 1, sizeof(struct world_name));
    for (size_t d = 0; d < fleet->n_devices; d++)
        w->devices_by_name[d] = (struct world_name){fleet->devices[d].name, d};
    qsort(w->devices_by_name, fleet->n_devices, sizeof(struct world_name), cmp_name);
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
    free(w->devices_by_name);
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
