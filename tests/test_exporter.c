/* test_exporter.c - per-tick render cache: one body per tick shared by every scrape,
 * timestamps that never lie in the future and strictly increase, render failures. */
#include "testutil.h"

#include <pthread.h>

#include "serve/compress.h"
#include "stack.h"

#define START_MS 1795305600000LL

struct fixture {
    struct stack st;
    struct exporter *exporter; /* = st.exporter */
    struct registry *reg;      /* = &st.reg */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    stack_init(&f->st, FIXTURE("fixtures/profiles/ok/small.yaml"), 0, 7, START_MS);
    f->exporter = f->st.exporter;
    f->reg = &f->st.reg;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    stack_cleanup(&f->st);
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
    struct body *a = exporter_scrape(f->exporter, START_MS + 10400, BODY_IDENTITY, &err);
    struct body *b = exporter_scrape(f->exporter, START_MS + 10999, BODY_IDENTITY, &err);
    assert_non_null(a);
    assert_ptr_equal(a, b); /* same tick: the very same bytes */
    assert_int_equal(a->tick, 10);
    assert_int_equal(first_timestamp(a), START_MS + 10000);
    struct body *c = exporter_scrape(f->exporter, START_MS + 11000, BODY_IDENTITY, &err);
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
        struct body *b = exporter_scrape(f->exporter, now, BODY_IDENTITY, &err);
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
    struct body *b = exporter_scrape(f->exporter, START_MS + 1000, BODY_IDENTITY, &err);
    assert_int_equal(first_timestamp(b), last);
    body_release(b);
}

struct scraper {
    struct exporter *exporter;
    enum body_encoding encoding;
    struct body *bodies[20];
};

static void *scrape_many(void *arg)
{
    struct scraper *s = arg;
    struct errbuf err;
    for (int i = 0; i < 20; i++)
        s->bodies[i] = exporter_scrape(s->exporter, START_MS + 30500, s->encoding, &err);
    return NULL;
}

static void test_exporter_concurrent_scrapes_share_bytes(void **state)
{
    struct fixture *f = *state;
    struct scraper s[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        s[i].exporter = f->exporter;
        s[i].encoding = i % 2 ? BODY_GZIP : BODY_IDENTITY;
        pthread_create(&th[i], NULL, scrape_many, &s[i]);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 20; j++) {
            const struct body *want = s[i % 2].bodies[0];
            assert_non_null(s[i].bodies[j]);
            assert_int_equal(s[i].bodies[j]->len, want->len);
            assert_memory_equal(s[i].bodies[j]->data, want->data, want->len);
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
    assert_int_equal(registry_add(f->reg, "broken", failing_collector, NULL), 0);
    struct errbuf err;
    struct body *b = exporter_scrape(f->exporter, START_MS + 1000, BODY_IDENTITY, &err);
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
    assert_int_equal(profile_load(paths, 1, &stack_budget, &fleet, &err), 0);
    fleet->tick_ms = 100;
    struct sim *sim = sim_new(fleet, 1, exporter_now_ms() - 350);
    struct registry reg;
    registry_init(&reg);
    struct exporter *e = exporter_new(sim, &reg, 1);
    assert_int_equal(exporter_start_ticker(e, &err), 0);
    for (int i = 0; i < 200 && exporter_tick(e) < 3; i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    exporter_stop_ticker(e);
    assert_true(exporter_tick(e) >= 3);
    exporter_free(e);
    sim_free(sim);
    fleet_free(fleet);
}

static void test_exporter_gzip_is_the_identity_body_compressed(void **state)
{
    struct fixture *f = *state;
    struct errbuf err;
    struct body *plain = exporter_scrape(f->exporter, START_MS + 5000, BODY_IDENTITY, &err);
    struct body *gz = exporter_scrape(f->exporter, START_MS + 5100, BODY_GZIP, &err);
    struct body *gz2 = exporter_scrape(f->exporter, START_MS + 5900, BODY_GZIP, &err);
    assert_non_null(gz);
    assert_ptr_equal(gz, gz2); /* compressed once per tick, shared */
    assert_int_equal(gz->encoding, BODY_GZIP);
    assert_true(gz->len < plain->len / 3);
    assert_memory_equal(gz->data, "\x1f\x8b", 2); /* gzip magic */
    char *out = NULL;
    size_t out_len = 0;
    assert_int_equal(compress_gunzip(gz->data, gz->len, plain->len, &out, &out_len, &err), 0);
    assert_int_equal(out_len, plain->len);
    assert_memory_equal(out, plain->data, plain->len);
    free(out);
    /* a gzip-first tick renders the identity body too, and they agree */
    struct body *gz3 = exporter_scrape(f->exporter, START_MS + 6000, BODY_GZIP, &err);
    struct body *plain3 = exporter_scrape(f->exporter, START_MS + 6000, BODY_IDENTITY, &err);
    assert_int_equal(gz3->tick, 6);
    assert_int_equal(compress_gunzip(gz3->data, gz3->len, plain3->len, &out, &out_len, &err), 0);
    assert_int_equal(out_len, plain3->len);
    assert_memory_equal(out, plain3->data, plain3->len);
    free(out);
    body_release(plain);
    body_release(gz);
    body_release(gz2);
    body_release(gz3);
    body_release(plain3);
}

/* A finished tick's buffer is reused for the next render unless a scrape still holds it. */
static void test_exporter_reuses_buffers_only_when_free(void **state)
{
    struct fixture *f = *state;
    struct errbuf err;
    struct body *b1 = exporter_scrape(f->exporter, START_MS + 1000, BODY_IDENTITY, &err);
    char *data1 = b1->data;
    body_release(b1);
    exporter_advance(f->exporter, START_MS + 2000);
    struct body *b2 = exporter_scrape(f->exporter, START_MS + 2000, BODY_IDENTITY, &err);
    assert_ptr_equal(b2->data, data1);
    /* held by a scrape: the next tick must not write into it */
    char *copy = malloc(b2->len);
    memcpy(copy, b2->data, b2->len);
    exporter_advance(f->exporter, START_MS + 3000);
    exporter_advance(f->exporter, START_MS + 4000);
    struct body *b4 = exporter_scrape(f->exporter, START_MS + 4000, BODY_IDENTITY, &err);
    assert_ptr_not_equal(b4->data, b2->data);
    assert_memory_equal(b2->data, copy, b2->len);
    assert_int_equal(b4->tick, 4);
    free(copy);
    body_release(b2);
    body_release(b4);
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
        cmocka_unit_test_setup_teardown(test_exporter_gzip_is_the_identity_body_compressed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_exporter_reuses_buffers_only_when_free, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("exporter", tests, NULL, NULL);
}
