/* stack.h - the pipeline main.c wires (profile -> world (sim, collectors, registry) ->
 * exporter), assembled for tests that need a live exporter. Include after testutil.h. */
#ifndef SWITCHSIM_TEST_STACK_H
#define SWITCHSIM_TEST_STACK_H

#include "config/profile.h"
#include "metrics/budget.h"
#include "metrics/catalog.h"
#include "serve/exporter.h"
#include "serve/world.h"

static inline const struct profile_budget *stack_budget_of_catalog(void)
{
    static struct profile_budget budget;
    static int filled;
    if (!filled) {
        catalog_budget(catalog_all(), &budget);
        filled = 1;
    }
    return &budget;
}
/* What the profile loader may let a fleet cost: the catalog's budget for every family. */
#define stack_budget (*stack_budget_of_catalog())

struct stack {
    struct world *world; /* borrowed from the exporter */
    struct exporter *exporter;
};

/* tick_ms 0 keeps the profile's tick; the build info is fixed. */
static inline void stack_init(struct stack *s, const char *profile, uint64_t tick_ms, uint64_t seed,
                              int64_t start_ms)
{
    const char *paths[] = {profile};
    struct errbuf err;
    struct fleet *fleet = NULL;
    if (profile_load(paths, 1, &stack_budget, &fleet, &err) != 0)
        fail_msg("%s", err.msg);
    if (tick_ms)
        fleet->tick_ms = tick_ms;
    struct world_params params = {seed, start_ms, {"9.9.9", "abc"}};
    s->world =
        world_new_at(fleet, &params, start_ms <= 0 ? 0 : (uint64_t)start_ms / fleet->tick_ms);
    struct exporter_options opts = {
        .timestamps = 1, .families = catalog_all(), .loaded_ms = start_ms};
    s->exporter = exporter_new(s->world, &opts);
}

static inline void stack_cleanup(struct stack *s)
{
    exporter_free(s->exporter);
}

/* The every-device body at now_ms, after advancing as the ticker would; a failed scrape
 * fails the test. */
static inline struct body *stack_scrape(struct stack *s, int64_t now_ms, enum expo_format format,
                                        enum body_encoding encoding, struct errbuf *err)
{
    exporter_advance(s->exporter, now_ms);
    struct scrape_request req = {format, encoding, NULL, 0};
    struct body *b = NULL;
    if (exporter_scrape(s->exporter, now_ms, &req, &b, err) != SCRAPE_OK || !b)
        fail_msg("scrape failed: %s", err->msg);
    return b;
}

#endif /* SWITCHSIM_TEST_STACK_H */
