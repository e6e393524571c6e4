/* stack.h - the pipeline main.c wires (profile -> sim -> collectors -> registry ->
 * exporter), assembled for tests that need a live exporter. Include after testutil.h. */
#ifndef SWITCHSIM_TEST_STACK_H
#define SWITCHSIM_TEST_STACK_H

#include "config/profile.h"
#include "metrics/collectors.h"
#include "serve/exporter.h"

/* What the profile loader may let a fleet cost, from today's constants (the metric
 * catalog will derive them). */
static const struct profile_budget stack_budget = {
    .series_per_port = MODEL_SERIES_PER_PORT,
    .series_per_device = MODEL_SERIES_PER_DEVICE,
    .fixed_series = MODEL_SELF_SERIES,
    .max_series = SWITCHSIM_MAX_SERIES,
    .port_fixed_bytes = MODEL_PORT_FIXED_BYTES,
    .device_fixed_bytes = MODEL_DEVICE_FIXED_BYTES,
    .fixed_body_bytes = MODEL_FIXED_BODY_BYTES,
    .port_attr_series = 1,
    .device_attr_series = 1,
    .label_overhead_bytes = MODEL_LABEL_OVERHEAD_BYTES,
    .max_label_bytes = SWITCHSIM_MAX_LABEL_BYTES,
    .max_body_bytes = EXPORTER_MAX_BODY_BYTES,
};

struct stack {
    struct fleet *fleet;
    struct sim *sim;
    struct collectors *collectors;
    struct registry reg;
    struct exporter *exporter;
};

/* tick_ms 0 keeps the profile's tick; the build info is fixed. */
static inline void stack_init(struct stack *s, const char *profile, uint64_t tick_ms, uint64_t seed,
                              int64_t start_ms)
{
    const char *paths[] = {profile};
    struct errbuf err;
    if (profile_load(paths, 1, &stack_budget, &s->fleet, &err) != 0)
        fail_msg("%s", err.msg);
    if (tick_ms)
        s->fleet->tick_ms = tick_ms;
    s->sim = sim_new(s->fleet, seed, start_ms);
    struct build_info build = {"9.9.9", "abc"};
    s->collectors = collectors_new(s->fleet, &build, start_ms, PORT_FAMILIES_ALL);
    registry_init(&s->reg);
    collectors_register(s->collectors, &s->reg);
    s->exporter = exporter_new(s->sim, &s->reg, 1);
}

static inline void stack_cleanup(struct stack *s)
{
    exporter_free(s->exporter);
    collectors_free(s->collectors);
    sim_free(s->sim);
    fleet_free(s->fleet);
}

#endif /* SWITCHSIM_TEST_STACK_H */
