/* test_exporter.c - per-tick render cache: one body per tick shared by every scrape,
 * timestamps that never lie in the future and strictly increase, render failures. */
#include "testutil.h"

#include <pthread.h>

#include "collectors.h"
#include "exporter.h"
#include "profile.h"

#define START_MS 1795305600000LL

struct fixture {
    struct fleet *fleet;
    struct sim *sim;
    struct collectors *collectors;
    struct registry reg;
    struct exporter *exporter;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    const char *paths[] = {FIXTURE("fixtures/profiles/ok/small.yaml")};
    struct errbuf err;
    if (profile_load(paths, 1, &f->fleet, &err) != 0)
        fail_msg("%s", err.msg);
    f->sim = sim_new(f->fleet, 7, START_MS);
    struct build_info build = {"1.2.3", "abc"};
    f->collectors = collectors_new(f->fleet, &build, START_MS);
    registry_init(&f->reg);
    collectors_register(f->collectors, &f->reg);
    f->exporter = exporter_new(f->sim, &f->reg, 1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    exporter_free(f->exporter);
    collectors_free(f->collectors);
    sim_free(f->sim);
    fleet_free(f->fleet);
    free(f);
    return 0;
}

/* The timestamp on the first sample line of a body. */
static int64_t first_timestamp(const struct body *b)
{
    const char *line = strstr(b->data, "\nswitch_device_info{");
    assert_non_null(line);
    const char *eol = strchr(line + 1, '\n');
    const char *sp = eol;
    while (sp[-1] != ' ')
        sp--;
    return strtoll(sp, NULL, 10);
}

static void test_exporter_one_body_per_tick(void **state)
{
    struct fixture *f = *state;
    struct errbuf err;
    struct body *a = exporter_scrape(f->exporter, START_MS + 10400, &err);
    struct body *b = exporter_scrape(f->exporter, START_MS + 10999, &err);
    assert_non_null(a);
    assert_ptr_equal(a, b); /* same tick: the very same bytes */
    assert_int_equal(a->tick, 10);
    assert_int_equal(first_timestamp(a), START_MS + 10000);
    struct body *c = exporter_scrape(f->exporter, START_MS + 11000, &err);
    assert_ptr_not_equal(a, c);
    assert_int_equal(c->tick, 11);
    /* the old body stays readable while referenced */
    assert_int_equal(strncmp(a->data, "# HELP", 6), 0);
    body_release(a);
    body_release(b);
    body_release(c);
}

static void test_exporter_timestamps_increase_and_never_lie_ahead(void **state)
{
    struct fixture *f = *state;
    struct errbuf err;
    int64_t last = 0;
    for (int64_t now = START_MS - 5000; now < START_MS + 60000; now += 377) {
        struct body *b = exporter_scrape(f->exporter, now, &err);
        assert_non_null(b);
        int64_t ts = first_timestamp(b);
        assert_true(ts <= now || now < START_MS); /* before the start: tick 0 */
        assert_true(ts >= last);
        if (ts != last)
            assert_true(ts - last >= 1000 || last == 0); /* strictly, by whole ticks */
        last = ts;
        body_release(b);
    }
    /* a clock that steps backwards does not move the simulation back */
    struct body *b = exporter_scrape(f->exporter, START_MS + 1000, &err);
    assert_int_equal(first_timestamp(b), last);
    body_release(b);
}

struct scraper {
    struct exporter *exporter;
    struct body *bodies[20];
};

static void *scrape_many(void *arg)
{
    struct scraper *s = arg;
    struct errbuf err;
    for (int i = 0; i < 20; i++)
        s->bodies[i] = exporter_scrape(s->exporter, START_MS + 30500, &err);
    return NULL;
}

static void test_exporter_concurrent_scrapes_share_bytes(void **state)
{
    struct fixture *f = *state;
    struct scraper s[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        s[i].exporter = f->exporter;
        pthread_create(&th[i], NULL, scrape_many, &s[i]);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 20; j++) {
            assert_non_null(s[i].bodies[j]);
            assert_int_equal(s[i].bodies[j]->len, s[0].bodies[0]->len);
            assert_memory_equal(s[i].bodies[j]->data, s[0].bodies[0]->data, s[0].bodies[0]->len);
        }
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 20; j++)
            body_release(s[i].bodies[j]);
}

static int failing_collector(struct expo *w, const struct scrape_ctx *ctx, void *user)
{
    (void)ctx;
    (void)user;
    return expo_family(w, "switchsim_devices", "clash with the self collector", METRIC_GAUGE);
}

static void test_exporter_render_failure_is_reported(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(registry_add(&f->reg, "broken", failing_collector, NULL), 0);
    struct errbuf err;
    struct body *b = exporter_scrape(f->exporter, START_MS + 1000, &err);
    assert_null(b);
    assert_string_equal(err.msg, "collector broken: metric family written twice in one "
                                 "exposition: switchsim_devices");
}

static void test_exporter_ticker_advances_without_scrapes(void **state)
{
    (void)state;
    /* A sim that started 3 ticks ago, real clock: the ticker brings it current. */
    const char *paths[] = {FIXTURE("fixtures/profiles/ok/minimal.yaml")};
    struct fleet *fleet = NULL;
    struct errbuf err;
    assert_int_equal(profile_load(paths, 1, &fleet, &err), 0);
    fleet->tick_ms = 100;
    struct sim *sim = sim_new(fleet, 1, exporter_now_ms() - 350);
    struct registry reg;
    registry_init(&reg);
    struct exporter *e = exporter_new(sim, &reg, 1);
    assert_int_equal(exporter_start_ticker(e, &err), 0);
    for (int i = 0; i < 200 && sim_tick(sim) < 3; i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    exporter_stop_ticker(e);
    assert_true(sim_tick(sim) >= 3);
    exporter_free(e);
    sim_free(sim);
    fleet_free(fleet);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exporter_one_body_per_tick, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exporter_timestamps_increase_and_never_lie_ahead,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_exporter_concurrent_scrapes_share_bytes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_exporter_render_failure_is_reported, setup, teardown),
        cmocka_unit_test(test_exporter_ticker_advances_without_scrapes),
    };
    return cmocka_run_group_tests_name("exporter", tests, NULL, NULL);
}
