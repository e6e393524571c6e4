/* test_exporter.c - per-tick render cache: one body per tick shared by every scrape,
 * timestamps that never lie in the future and strictly increase, render failures. */
#include "testutil.h"

#include <pthread.h>

#include "serve/compress.h"
#include "stack.h"

#define START_MS 1795305600000LL
#define T0       ((uint64_t)START_MS / 1000) /* ticks count from the epoch */

struct fixture {
    struct stack st;
    struct exporter *exporter; /* = st.exporter */
    struct registry *reg;      /* = &st.world->reg */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    stack_init(&f->st, FIXTURE("fixtures/profiles/ok/small.yaml"), 0, 7, START_MS);
    f->exporter = f->st.exporter;
    f->reg = &f->st.world->reg;
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
    struct body *a = stack_scrape(&f->st, START_MS + 10400, EXPO_TEXT_004, BODY_IDENTITY, &err);
    struct body *b = stack_scrape(&f->st, START_MS + 10999, EXPO_TEXT_004, BODY_IDENTITY, &err);
    assert_non_null(a);
    assert_ptr_equal(a, b); /* same tick: the very same bytes */
    assert_int_equal(a->tick, T0 + 10);
    assert_int_equal(first_timestamp(a), START_MS + 10000);
    struct body *c = stack_scrape(&f->st, START_MS + 11000, EXPO_TEXT_004, BODY_IDENTITY, &err);
    assert_ptr_not_equal(a, c);
    assert_int_equal(c->tick, T0 + 11);
    /* the old body stays readable while referenced */
    assert_int_equal(strncmp(a->data, "# HELP", 6), 0);
    body_release(a);
    body_release(b);
    body_release(c);
}

static enum scrape_status scrape_at(struct fixture *f, int64_t now_ms, struct body **out,
                                    struct errbuf *err)
{
    struct scrape_request req = {EXPO_TEXT_004, BODY_IDENTITY, NULL, 0};
    return exporter_scrape(f->exporter, now_ms, &req, out, err);
}

static void test_exporter_timestamps_increase_and_never_lie_ahead(void **state)
{
    struct fixture *f = *state;
    struct errbuf err;
    struct body *b = NULL;
    /* before the start time, tick 0 lies in the future: not served */
    assert_int_equal(scrape_at(f, START_MS - 5000, &b, &err), SCRAPE_NOT_READY);
    assert_string_equal(err.msg, "the clock is 5000 ms behind the simulation's last tick; "
                                 "serving again when it catches up");
    int64_t last = 0;
    for (int64_t now = START_MS; now < START_MS + 60000; now += 377) {
        b = stack_scrape(&f->st, now, EXPO_TEXT_004, BODY_IDENTITY, &err);
        int64_t ts = first_timestamp(b);
        assert_true(ts <= now);
        assert_true(ts >= last);
        if (ts != last)
            assert_true(ts - last >= 1000 || last == 0); /* strictly, by whole ticks */
        last = ts;
        body_release(b);
    }
    /* a clock that steps backwards does not move the simulation back, and gets no body
     * whose timestamps would lie ahead of it until it has caught up */
    b = NULL;
    assert_int_equal(scrape_at(f, START_MS + 1000, &b, &err), SCRAPE_NOT_READY);
    assert_null(b);
    assert_int_equal(scrape_at(f, last, &b, &err), SCRAPE_OK);
    assert_int_equal(first_timestamp(b), last);
    body_release(b);
}

/* Far behind (a start time in the past): beyond one slice of work (1,000,000 port-ticks:
 * 100,000 ticks of this 10-port fleet) a scrape does none and says how far the catching up
 * is; exporter_advance (the ticker) catches up in slices. */
static void test_exporter_catching_up_is_not_ready(void **state)
{
    struct fixture *f = *state;
    struct errbuf err;
    struct body *b = NULL;
    int64_t now = START_MS + 250000 * 1000LL;
    assert_int_equal(scrape_at(f, now, &b, &err), SCRAPE_NOT_READY);
    assert_string_equal(err.msg, "catching up: 250000 ticks behind");
    assert_int_equal(exporter_ready(f->exporter, now, &err), -1);
    assert_int_equal(exporter_tick(f->exporter), T0); /* the scrape did no catching up */
    exporter_advance(f->exporter, now);
    assert_int_equal(exporter_tick(f->exporter), T0 + 250000);
    assert_int_equal(exporter_ready(f->exporter, now, &err), 0);
    /* a ticker a few ticks late under load: the scrape catches up itself and serves */
    assert_int_equal(scrape_at(f, now + 5000, &b, &err), SCRAPE_OK);
    assert_int_equal(b->tick, T0 + 250005);
    body_release(b);
}

struct scraper {
    struct stack *st;
    enum body_encoding encoding;
    struct body *bodies[20];
};

static void *scrape_many(void *arg)
{
    struct scraper *s = arg;
    struct errbuf err;
    for (int i = 0; i < 20; i++)
        s->bodies[i] = stack_scrape(s->st, START_MS + 30500, EXPO_TEXT_004, s->encoding, &err);
    return NULL;
}

static void test_exporter_concurrent_scrapes_share_bytes(void **state)
{
    struct fixture *f = *state;
    struct scraper s[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        s[i].st = &f->st;
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
    static const struct expo_family clash = {
        "switchsim_devices", "clash with the self collector", "", METRIC_GAUGE, NULL, 0};
    return expo_begin_family(w, &clash);
}

static void test_exporter_render_failure_is_reported(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(registry_add(f->reg, "broken", failing_collector, NULL), 0);
    struct errbuf err;
    struct scrape_request req = {EXPO_TEXT_004, BODY_IDENTITY, NULL, 0};
    struct body *b = NULL;
    assert_int_equal(exporter_scrape(f->exporter, START_MS + 1000, &req, &b, &err), SCRAPE_FAILED);
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
    int64_t start_ms = exporter_now_ms() - 350;
    struct world_params params = {1, start_ms, {"9.9.9", "abc"}};
    struct exporter_options opts = {1, catalog_all(), start_ms};
    struct exporter *e =
        exporter_new(world_new_at(fleet, &params, (uint64_t)start_ms / fleet->tick_ms - 3), &opts);
    assert_int_equal(exporter_start_ticker(e, &err), 0);
    for (int i = 0; i < 200 && exporter_tick(e) < 3; i++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    exporter_stop_ticker(e);
    assert_true(exporter_tick(e) >= 3);
    exporter_free(e);
}

static void test_exporter_gzip_is_the_identity_body_compressed(void **state)
{
    struct fixture *f = *state;
    struct errbuf err;
    struct body *plain = stack_scrape(&f->st, START_MS + 5000, EXPO_TEXT_004, BODY_IDENTITY, &err);
    struct body *gz = stack_scrape(&f->st, START_MS + 5100, EXPO_TEXT_004, BODY_GZIP, &err);
    struct body *gz2 = stack_scrape(&f->st, START_MS + 5900, EXPO_TEXT_004, BODY_GZIP, &err);
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
    struct body *gz3 = stack_scrape(&f->st, START_MS + 6000, EXPO_TEXT_004, BODY_GZIP, &err);
    struct body *plain3 = stack_scrape(&f->st, START_MS + 6000, EXPO_TEXT_004, BODY_IDENTITY, &err);
    assert_int_equal(gz3->tick, T0 + 6);
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
    struct body *b1 = stack_scrape(&f->st, START_MS + 1000, EXPO_TEXT_004, BODY_IDENTITY, &err);
    char *data1 = b1->data;
    body_release(b1);
    exporter_advance(f->exporter, START_MS + 2000);
    struct body *b2 = stack_scrape(&f->st, START_MS + 2000, EXPO_TEXT_004, BODY_IDENTITY, &err);
    assert_ptr_equal(b2->data, data1);
    /* held by a scrape: the next tick must not write into it */
    char *copy = malloc(b2->len);
    memcpy(copy, b2->data, b2->len);
    exporter_advance(f->exporter, START_MS + 3000);
    exporter_advance(f->exporter, START_MS + 4000);
    struct body *b4 = stack_scrape(&f->st, START_MS + 4000, EXPO_TEXT_004, BODY_IDENTITY, &err);
    assert_ptr_not_equal(b4->data, b2->data);
    assert_memory_equal(b2->data, copy, b2->len);
    assert_int_equal(b4->tick, T0 + 4);
    free(copy);
    body_release(b2);
    body_release(b4);
}

static enum scrape_status scrape_device(struct fixture *f, const char *device,
                                        enum expo_format format, struct body **out,
                                        struct errbuf *err)
{
    struct scrape_request req = {format, BODY_IDENTITY, device, 0};
    exporter_advance(f->exporter, START_MS + 2000);
    return exporter_scrape(f->exporter, START_MS + 2000, &req, out, err);
}

/* One device: its own series only, no self-metrics; unknown devices are told apart. */
static void test_exporter_one_device_selection(void **state)
{
    struct fixture *f = *state;
    struct errbuf err;
    struct body *b = NULL;
    assert_int_equal(scrape_device(f, "tor02", EXPO_TEXT_004, &b, &err), SCRAPE_OK);
    assert_non_null(strstr(b->data, "switch_port_rx_packets_total{device=\"tor02\",port="));
    assert_null(strstr(b->data, "device=\"tor01\""));
    assert_null(strstr(b->data, "device=\"core1\""));
    assert_null(strstr(b->data, "switchsim_"));
    assert_non_null(strstr(b->data, "switch_device_info{device=\"tor02\""));
    body_release(b);
    b = NULL;
    assert_int_equal(scrape_device(f, "nope", EXPO_TEXT_004, &b, &err), SCRAPE_UNKNOWN_DEVICE);
    assert_null(b);
    assert_string_equal(err.msg, "unknown device \"nope\"");
}

/* Each format has its own shared body per tick; OpenMetrics ends with # EOF. */
static void test_exporter_formats_are_cached_apart(void **state)
{
    struct fixture *f = *state;
    struct errbuf err;
    struct body *text = stack_scrape(&f->st, START_MS + 3000, EXPO_TEXT_004, BODY_IDENTITY, &err);
    struct body *om =
        stack_scrape(&f->st, START_MS + 3000, EXPO_OPENMETRICS_100, BODY_IDENTITY, &err);
    struct body *om2 =
        stack_scrape(&f->st, START_MS + 3500, EXPO_OPENMETRICS_100, BODY_IDENTITY, &err);
    assert_ptr_equal(om, om2);
    assert_ptr_not_equal(text, om);
    assert_int_equal(om->format, EXPO_OPENMETRICS_100);
    assert_string_equal(om->data + om->len - 6, "# EOF\n");
    assert_null(strstr(text->data, "# EOF"));
    assert_non_null(strstr(om->data, "# TYPE switch_port_rx_packets counter\n"));
    assert_non_null(strstr(om->data, " 1795305603\n")); /* seconds */
    body_release(text);
    body_release(om);
    body_release(om2);
}

/* A swapped-in world serves from the next scrape on; bodies of the old one stay valid. */
static void test_exporter_swaps_worlds(void **state)
{
    struct fixture *f = *state;
    struct errbuf err;
    struct body *before = stack_scrape(&f->st, START_MS + 1000, EXPO_TEXT_004, BODY_IDENTITY, &err);
    assert_non_null(strstr(before->data, "\nswitchsim_devices 3 "));
    const char *paths[] = {FIXTURE("fixtures/profiles/ok/minimal.yaml")};
    struct fleet *fleet = NULL;
    assert_int_equal(profile_load(paths, 1, &stack_budget, &fleet, &err), 0);
    struct world_params params = {7, START_MS, {"9.9.9", "abc"}};
    exporter_swap_world(f->exporter, world_new_at(fleet, &params, (uint64_t)START_MS / 1000));
    struct body *after = stack_scrape(&f->st, START_MS + 1000, EXPO_TEXT_004, BODY_IDENTITY, &err);
    assert_ptr_not_equal(before, after);
    assert_non_null(strstr(after->data, "\nswitchsim_devices 1 "));
    assert_non_null(strstr(before->data, "\nswitchsim_devices 3 "));
    struct world *w = exporter_world(f->exporter);
    assert_int_equal(w->fleet->n_devices, 1);
    assert_int_equal(world_find_device(w, "nope"), -1);
    world_release(w);
    body_release(before);
    body_release(after);
}

/* The value on the sample line that starts with `prefix` (labels included), or -1. */
static long long sample_value(const struct body *b, const char *prefix)
{
    char needle[256];
    snprintf(needle, sizeof(needle), "\n%s ", prefix);
    const char *line = strstr(b->data, needle);
    return line ? strtoll(line + strlen(needle), NULL, 10) : -1;
}

static struct world *load_world(const char *profile, uint64_t tick)
{
    const char *paths[] = {profile};
    struct fleet *fleet = NULL;
    struct errbuf err;
    if (profile_load(paths, 1, &stack_budget, &fleet, &err) != 0)
        fail_msg("%s", err.msg);
    struct world_params params = {7, START_MS, {"9.9.9", "abc"}};
    return world_new_at(fleet, &params, tick);
}

/* After a reload, ports whose model is unchanged continue exactly as without the reload
 * (values are a function of profile, seed and tick); ports with a new model follow it;
 * removed ports vanish; new ports appear. */
static void test_exporter_reload_carries_state(void **state)
{
    struct fixture *f = *state;
    struct stack twin; /* the same fleet, never reloaded */
    stack_init(&twin, FIXTURE("fixtures/profiles/ok/small.yaml"), 0, 7, START_MS);
    struct errbuf err;
    struct body *before =
        stack_scrape(&f->st, START_MS + 600000, EXPO_TEXT_004, BODY_IDENTITY, &err);
    size_t carried = 0;
    struct world *next =
        load_world(FIXTURE("fixtures/profiles/ok/small_reloaded.yaml"), exporter_tick(f->exporter));
    exporter_reload_world(f->exporter, next, &carried);
    assert_int_equal(carried, 9); /* 10 ports before, one removed; two new */
    static const char core[] =
        "switch_port_rx_packets_total{device=\"core1\",port=\"Ethernet1/1\"}";
    for (int64_t t = 600000; t <= 660000; t += 20000) {
        struct body *b = stack_scrape(&f->st, START_MS + t, EXPO_TEXT_004, BODY_IDENTITY, &err);
        struct body *w = stack_scrape(&twin, START_MS + t, EXPO_TEXT_004, BODY_IDENTITY, &err);
        static const char *const same[] = {
            "switch_port_rx_packets_total{device=\"tor01\",port=\"swp1\"}",
            "switch_port_tx_bytes_total{device=\"tor02\",port=\"uplink1\"}",
            "switch_port_carrier_transitions_total{device=\"tor01\",port=\"swp2\"}"};
        for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
            assert_true(sample_value(b, same[i]) >= 0);
            assert_int_equal(sample_value(b, same[i]), sample_value(w, same[i]));
        }
        assert_true(sample_value(b, core) >= 0);
        assert_int_equal(
            sample_value(b, "switch_port_link_up{device=\"core1\",port=\"Ethernet1/2\"}"), -1);
        assert_true(
            sample_value(b, "switch_port_rx_packets_total{device=\"new1\",port=\"eth1\"}") >= 0);
        body_release(b);
        body_release(w);
    }
    struct body *b = stack_scrape(&f->st, START_MS + 661000, EXPO_TEXT_004, BODY_IDENTITY, &err);
    assert_non_null(
        strstr(b->data, "port=\"swp1\",speed=\"25G\",type=\"SFP28\",description=\"edited\""));
    body_release(b);
    body_release(before);
    stack_cleanup(&twin);
}

/* The ticker renders ahead only for scrapers that come every tick. */
static void test_exporter_prerenders_for_frequent_scrapes(void **state)
{
    struct fixture *f = *state;
    struct errbuf err;
    /* A scrape every other tick: no render ahead. */
    body_release(stack_scrape(&f->st, START_MS + 1000, EXPO_TEXT_004, BODY_IDENTITY, &err));
    exporter_advance(f->exporter, START_MS + 2000);
    exporter_advance(f->exporter, START_MS + 3000);
    assert_int_equal(exporter_renders(f->exporter, EXPO_TEXT_004), 1);
    body_release(stack_scrape(&f->st, START_MS + 3000, EXPO_TEXT_004, BODY_IDENTITY, &err));
    exporter_advance(f->exporter, START_MS + 4000);
    assert_int_equal(exporter_renders(f->exporter, EXPO_TEXT_004), 2);
    /* Scraped in ticks 4 and 5: tick 6 is rendered when it begins, and served as is. */
    body_release(stack_scrape(&f->st, START_MS + 4000, EXPO_TEXT_004, BODY_IDENTITY, &err));
    body_release(stack_scrape(&f->st, START_MS + 5000, EXPO_TEXT_004, BODY_IDENTITY, &err));
    assert_int_equal(exporter_renders(f->exporter, EXPO_TEXT_004), 4);
    exporter_advance(f->exporter, START_MS + 6000);
    assert_int_equal(exporter_renders(f->exporter, EXPO_TEXT_004), 5);
    struct body *b = stack_scrape(&f->st, START_MS + 6000, EXPO_TEXT_004, BODY_IDENTITY, &err);
    assert_int_equal(b->tick, T0 + 6);
    assert_int_equal(exporter_renders(f->exporter, EXPO_TEXT_004), 5);
    body_release(b);
    assert_int_equal(exporter_renders(f->exporter, EXPO_OPENMETRICS_100), 0); /* not asked */
}

/* A selection of families other than the exporter's renders on demand, only those. */
static void test_exporter_family_selection_per_request(void **state)
{
    struct fixture *f = *state;
    struct errbuf err;
    uint64_t only_link = 0;
    assert_int_equal(catalog_select("switch_port_link_up", SCOPE_PORT, "test", &only_link, &err),
                     0);
    struct scrape_request req = {EXPO_TEXT_004, BODY_IDENTITY, NULL, only_link};
    struct body *b = NULL;
    exporter_advance(f->exporter, START_MS + 1000);
    assert_int_equal(exporter_scrape(f->exporter, START_MS + 1000, &req, &b, &err), SCRAPE_OK);
    assert_non_null(strstr(b->data, "\nswitch_port_link_up{device=\"core1\""));
    assert_null(strstr(b->data, "switch_port_rx_packets_total"));
    assert_null(strstr(b->data, "switch_device_info"));                /* not selected either */
    assert_int_equal(exporter_renders(f->exporter, EXPO_TEXT_004), 0); /* not the shared body */
    body_release(b);
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
        cmocka_unit_test_setup_teardown(test_exporter_one_device_selection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exporter_formats_are_cached_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exporter_swaps_worlds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exporter_reload_carries_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exporter_catching_up_is_not_ready, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exporter_family_selection_per_request, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_exporter_prerenders_for_frequent_scrapes, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("exporter", tests, NULL, NULL);
}
