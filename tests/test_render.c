/* test_render.c - the exposition writer and the standard collectors: escaping,
 * numbers, structural rules, golden files, contiguity and series counts. */
#include "testutil.h"

#include "config/profile.h"
#include "expo/expo.h"
#include "metrics/catalog.h"
#include "metrics/collectors.h"
#include "metrics/registry.h"
#include "sim/sim.h"
#include "stack.h"

#define START_MS 1795305600000LL

static void test_render_escapes_label_values(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"Ethernet1/1", "Ethernet1/1"},
        {"a\"b", "a\\\"b"},
        {"a\\b", "a\\\\b"},
        {"a\nb", "a\\nb"},
        {"tab\there", "tab\there"},
        {"\\\"\n", "\\\\\\\"\\n"},
        {"Zürich ✓", "Zürich ✓"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct strbuf sb;
        strbuf_init(&sb, 16, 1024);
        expo_escape_label_value(&sb, cases[i].in);
        assert_string_equal(sb.data, cases[i].want);
        strbuf_cleanup(&sb);
    }
}

static void test_render_escapes_help(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 16, 1024);
    /* In 0.0.4's HELP only backslash and newline are escaped; a quote stays as it is. */
    expo_escape_help(&sb, "say \"hi\"\\ now\nplease", EXPO_TEXT_004);
    assert_string_equal(sb.data, "say \"hi\"\\\\ now\\nplease");
    /* OpenMetrics escapes the quote too. */
    strbuf_reset(&sb);
    expo_escape_help(&sb, "say \"hi\"\\ now\nplease", EXPO_OPENMETRICS_100);
    assert_string_equal(sb.data, "say \\\"hi\\\"\\\\ now\\nplease");
    strbuf_cleanup(&sb);
}

static void test_render_formats_numbers(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *want;
    } doubles[] = {
        {NAN, "NaN"},
        {-NAN, "NaN"},
        {INFINITY, "+Inf"},
        {-INFINITY, "-Inf"},
        {0.0, "0"},
        {-0.0, "0"},
        {1.0, "1"},
        {-42.0, "-42"},
        {0.1, "0.1"},
        {1.5e-9, "1.5e-09"},
        {1e21, "1e+21"},
        {1795319505.684, "1795319505.684"},
        {9007199254740992.0, "9007199254740992"},
        {0.1 + 0.2, "0.30000000000000004"},
    };
    for (size_t i = 0; i < sizeof(doubles) / sizeof(doubles[0]); i++) {
        char buf[40];
        size_t n = expo_format_double(buf, doubles[i].v);
        buf[n] = '\0';
        if (strcmp(buf, doubles[i].want) != 0)
            fail_msg("case %zu: \"%s\", want \"%s\"", i, buf, doubles[i].want);
        /* and Go's ParseFloat-compatible strtod reads it back exactly */
        if (!isnan(doubles[i].v))
            assert_true(strtod(buf, NULL) == doubles[i].v);
    }
    static const struct {
        uint64_t v;
        const char *want;
    } ints[] = {{0, "0"},
                {9, "9"},
                {10, "10"},
                {99, "99"},
                {100, "100"},
                {1234567890, "1234567890"},
                {UINT64_MAX, "18446744073709551615"}};
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        char buf[24];
        size_t n = expo_format_u64(buf, ints[i].v);
        buf[n] = '\0';
        assert_string_equal(buf, ints[i].want);
    }
}

static const struct expo_family fam_a = {"a_total", "A.", "", METRIC_COUNTER, NULL, 0};
static const struct expo_family fam_b = {"b", "B.", "", METRIC_GAUGE, NULL, 0};

static void test_render_structure_rules(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 64, 1 << 20);
    struct expo w;
    expo_init(&w, &sb, EXPO_TEXT_004, 1234, 1);
    const struct expo_labels none = {"", 0};
    assert_int_equal(expo_begin_family(&w, &fam_a), 0);
    assert_int_equal(expo_sample_u64(&w, &none, 5), 0);
    assert_int_equal(expo_begin_family(&w, &fam_b), 0);
    /* going back to a family already written would split it: refused */
    assert_int_equal(expo_begin_family(&w, &fam_a), -1);
    assert_true(w.failed);
    assert_string_equal(w.err.msg, "metric family written twice in one exposition: a_total");
    assert_string_equal(sb.data, "# HELP a_total A.\n# TYPE a_total counter\na_total 5 1234\n"
                                 "# HELP b B.\n# TYPE b gauge\n");
    assert_int_equal(expo_finish(&w), -1);
    strbuf_cleanup(&sb);
}

/* Misuse the header promises to catch is an error a caller can see, and writes nothing. */
static void test_render_misuse_is_an_error(void **state)
{
    (void)state;
    static const struct {
        struct expo_family fam;
        const char *msg;
    } bad[] = {
        {{"bad-name", "x", "", METRIC_GAUGE, NULL, 0}, "invalid metric name: bad-name"},
        {{"c", "x", "", METRIC_COUNTER, NULL, 0}, "counter name must end in _total: c"},
        {{"i", "x", "", METRIC_INFO, NULL, 0}, "info name must end in _info: i"},
        {{"x_seconds", "x", "bytes", METRIC_GAUGE, NULL, 0},
         "metric name must end in its unit: x_seconds"},
        {{"s", "x", "", METRIC_STATESET, NULL, 0}, "stateset without states: s"},
    };
    const struct expo_labels none = {"", 0};
    struct strbuf sb;
    strbuf_init(&sb, 64, 1 << 20);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct expo w;
        strbuf_reset(&sb);
        expo_init(&w, &sb, EXPO_OPENMETRICS_100, 0, 0);
        assert_int_equal(expo_begin_family(&w, &bad[i].fam), -1);
        assert_string_equal(w.err.msg, bad[i].msg);
        assert_int_equal(sb.len, 0);
    }
    /* an orphan sample: before any family, and after the end */
    struct expo w;
    strbuf_reset(&sb);
    expo_init(&w, &sb, EXPO_TEXT_004, 0, 0);
    assert_int_equal(expo_sample_u64(&w, &none, 1), -1);
    assert_string_equal(w.err.msg, "sample written outside a metric family: before any family");
    assert_int_equal(sb.len, 0);
    strbuf_reset(&sb);
    expo_init(&w, &sb, EXPO_TEXT_004, 0, 0);
    assert_int_equal(expo_begin_family(&w, &fam_b), 0);
    assert_int_equal(expo_finish(&w), 0);
    size_t len = sb.len;
    assert_int_equal(expo_sample_double(&w, &none, 1.5), -1);
    assert_string_equal(w.err.msg,
                        "sample written outside a metric family: after the end of the exposition");
    assert_int_equal(sb.len, len);
    strbuf_cleanup(&sb);
}

/* Literal expectations for each format's spelling of the same families. */
static void test_render_formats_spell_families(void **state)
{
    (void)state;
    static const char *const states[] = {"up", "down"};
    static const struct expo_family fams[] = {
        {"x_rx_bytes_total", "Rx \"bytes\".", "bytes", METRIC_COUNTER, NULL, 0},
        {"x_info", "Info.", "", METRIC_INFO, NULL, 0},
        {"x_state", "State.", "", METRIC_STATESET, states, 2},
        {"x_level_bytes", "Level.", "bytes", METRIC_GAUGE, NULL, 0},
    };
    const struct expo_labels dev = {"{device=\"d\"}", 12};
    const struct expo_labels none = {"", 0};
    static const char *const want[EXPO_FORMAT_COUNT] = {
        "# HELP x_rx_bytes_total Rx \"bytes\".\n# TYPE x_rx_bytes_total counter\n"
        "x_rx_bytes_total{device=\"d\"} 7 1500\n"
        "# HELP x_info Info.\n# TYPE x_info gauge\nx_info{device=\"d\"} 1 1500\n"
        "# HELP x_state State.\n# TYPE x_state gauge\nx_state{device=\"d\",state=\"up\"} 0 1500\n"
        "x_state{device=\"d\",state=\"down\"} 1 1500\nx_state{state=\"up\"} 1 1500\n"
        "# HELP x_level_bytes Level.\n# TYPE x_level_bytes gauge\nx_level_bytes 0.5 1500\n",
        "# HELP x_rx_bytes Rx \\\"bytes\\\".\n# TYPE x_rx_bytes counter\n# UNIT x_rx_bytes bytes\n"
        "x_rx_bytes_total{device=\"d\"} 7 1.5\n"
        "# HELP x Info.\n# TYPE x info\nx_info{device=\"d\"} 1 1.5\n"
        "# HELP x_state State.\n# TYPE x_state stateset\n"
        "x_state{device=\"d\",x_state=\"up\"} 0 1.5\nx_state{device=\"d\",x_state=\"down\"} 1 1.5\n"
        "x_state{x_state=\"up\"} 1 1.5\n"
        "# HELP x_level_bytes Level.\n# TYPE x_level_bytes gauge\n# UNIT x_level_bytes bytes\n"
        "x_level_bytes 0.5 1.5\n# EOF\n",
    };
    for (int f = 0; f < EXPO_FORMAT_COUNT; f++) {
        struct strbuf sb;
        strbuf_init(&sb, 64, 1 << 20);
        struct expo w;
        expo_init(&w, &sb, (enum expo_format)f, 1500, 1);
        assert_int_equal(expo_begin_family(&w, &fams[0]), 0);
        assert_int_equal(expo_sample_u64(&w, &dev, 7), 0);
        assert_int_equal(expo_begin_family(&w, &fams[1]), 0);
        assert_int_equal(expo_sample_u64(&w, &dev, 1), 0);
        assert_int_equal(expo_begin_family(&w, &fams[2]), 0);
        assert_int_equal(expo_sample_state(&w, &dev, 0, 1), 0);
        assert_int_equal(expo_sample_state(&w, &dev, 1, 1), 0);
        assert_int_equal(expo_sample_state(&w, &none, 0, 0), 0);
        assert_int_equal(expo_begin_family(&w, &fams[3]), 0);
        assert_int_equal(expo_sample_double(&w, &none, 0.5), 0);
        assert_int_equal(expo_finish(&w), 0);
        assert_string_equal(sb.data, want[f]);
        strbuf_cleanup(&sb);
    }
}

static void test_render_size_cap_is_an_error(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 16, 100);
    struct expo w;
    expo_init(&w, &sb, EXPO_TEXT_004, 0, 1);
    const struct expo_labels none = {"", 0};
    assert_int_equal(expo_begin_family(&w, &fam_b), 0);
    for (int i = 0; i < 20; i++)
        expo_sample_u64(&w, &none, 1);
    assert_true(sb.overflow);
    assert_true(sb.len <= 100);
    strbuf_cleanup(&sb);
}

/* Every family but the process_* ones, whose values (CPU, memory, fds) are the test
 * process's own and change from run to run. */
static uint64_t stable_families(void)
{
    uint64_t m = catalog_all();
    for (size_t i = 0; i < catalog_n_rows; i++)
        if (strncmp(catalog_rows[i].family.name, "process_", 8) == 0)
            m &= ~((uint64_t)1 << i);
    return m;
}

/* Renders a profile at a given tick exactly as the exporter does. */
static char *render_profile_families(const char *path, uint64_t seed, uint64_t tick, int timestamps,
                                     uint64_t mask, enum expo_format format, uint64_t *samples_out)
{
    const char *paths[] = {path};
    struct fleet *fleet = NULL;
    struct errbuf err;
    if (profile_load(paths, 1, &stack_budget, &fleet, &err) != 0)
        fail_msg("%s", err.msg);
    /* tick counts from START_MS here; the sim counts ticks from the epoch */
    struct sim *sim = sim_new(fleet, seed, (uint64_t)START_MS / fleet->tick_ms + tick);
    struct build_info build = {"1.2.3", "abcdef0"};
    struct collectors *c = collectors_new(fleet, &build, START_MS);
    struct registry reg;
    registry_init(&reg);
    assert_int_equal(collectors_register(c, &reg), 0);
    struct strbuf sb;
    strbuf_init(&sb, 1024, 64 << 20);
    struct expo w;
    expo_init(&w, &sb, format, sim_time_ms(sim), timestamps);
    struct scrape_ctx ctx = {.sim = sim,
                             .sel = {mask, 0, fleet->n_devices},
                             .self = {.last_render_seconds = 0.25,
                                      .render_seconds = {1.5, 0.000125},
                                      .renders = {3, 1},
                                      .gzip_seconds = 0.5,
                                      .gzips = 2,
                                      .last_reload_ok = 1,
                                      .last_reload_success_ms = START_MS + 500}};
    if (registry_collect(&reg, &w, &ctx, &err) != 0)
        fail_msg("%s", err.msg);
    if (samples_out)
        *samples_out = w.n_samples;
    /* The catalog and the budget count a neighbour series for every port (an upper
     * bound); only ports in a link have one. */
    uint64_t unlinked = 0;
    for (size_t r = 0; r < catalog_n_rows; r++)
        if (catalog_rows[r].quantity == Q_PORT_NEIGHBOR_INFO && (mask >> r & 1))
            unlinked = fleet->n_ports - 2 * fleet->n_links;
    assert_int_equal(w.n_samples + unlinked,
                     catalog_series_count(fleet->n_devices, fleet->n_ports, mask));
    if (mask == catalog_all()) { /* what the loader's budget counted */
        assert_int_equal(w.n_samples + unlinked,
                         fleet->n_ports * stack_budget.series_per_port +
                             fleet->n_devices * stack_budget.series_per_device +
                             stack_budget.fixed_series);
        if (sb.len > fleet->body_bytes_max)
            fail_msg("body of %zu bytes over the load-time bound of %llu", sb.len,
                     (unsigned long long)fleet->body_bytes_max);
    }
    collectors_free(c);
    sim_free(sim);
    fleet_free(fleet);
    return strbuf_release(&sb, NULL);
}

static char *render_profile(const char *path, uint64_t seed, uint64_t tick, int timestamps,
                            uint64_t *samples_out)
{
    return render_profile_families(path, seed, tick, timestamps, stable_families(), EXPO_TEXT_004,
                                   samples_out);
}

/* Compares with tests/golden/NAME; UPDATE_GOLDEN=1 rewrites it (review the diff!). */
static void check_golden(const char *name, const char *got)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/golden/%s", TEST_DATA_DIR, name);
    if (getenv("UPDATE_GOLDEN")) {
        FILE *fp = fopen(path, "wb");
        assert_non_null(fp);
        fputs(got, fp);
        fclose(fp);
    }
    char *want = testutil_read_file(path, NULL);
    if (!want)
        fail_msg("missing golden file %s (run with UPDATE_GOLDEN=1)", path);
    if (strcmp(want, got) != 0) {
        size_t i = 0;
        while (want[i] && want[i] == got[i])
            i++;
        fail_msg("%s differs at byte %zu:\n  want: %.80s\n  got:  %.80s", name, i, want + i,
                 got + i);
    }
    free(want);
}

static void test_render_golden_small_fleet(void **state)
{
    (void)state;
    /* valgrind runs x87 long double arithmetic at double precision, which moves the
     * whole-frame rounding of the simulation's sums by a frame here and there: the golden
     * values are checked by the plain and sanitizer runs, the renders' memory here. */
    if (getenv("SWITCHSIM_VALGRIND")) {
        char *body = render_profile(FIXTURE("fixtures/profiles/ok/small.yaml"), 7, 10, 1, NULL);
        assert_non_null(body);
        free(body);
        print_message("golden values not compared under valgrind (x87 emulated as double)\n");
        return;
    }
    char *body = render_profile(FIXTURE("fixtures/profiles/ok/small.yaml"), 7, 10, 1, NULL);
    check_golden("small_tick10.prom", body);
    free(body);
    body = render_profile(FIXTURE("fixtures/profiles/ok/small.yaml"), 7, 10, 0, NULL);
    check_golden("small_tick10_no_timestamps.prom", body);
    free(body);
    body = render_profile_families(FIXTURE("fixtures/profiles/ok/small.yaml"), 7, 10, 1,
                                   stable_families(), EXPO_OPENMETRICS_100, NULL);
    check_golden("small_tick10.om", body);
    free(body);
}

static void test_render_golden_hostile_labels(void **state)
{
    (void)state;
    char *body = render_profile(FIXTURE("fixtures/profiles/ok/hostile.yaml"), 1, 1, 1, NULL);
    check_golden("hostile.prom", body);
    /* spot checks that do not rely on the golden file being right */
    assert_non_null(strstr(body, "switch_device_info{device=\"sw\\\"1\\\\x\",vendor=\"Ac\\\\me\","
                                 "model=\"M{1}=\\\"2\\\"\",note=\"line1\\nline2\","
                                 "emoji=\"Zürich ✓\"} 1 1795305601000\n"));
    assert_non_null(strstr(body, "description=\"uplink \\\"core\\\" C:\\\\path\\nsecond line\""));
    free(body);
}

/* Every family: one HELP, one TYPE, before its samples, all its samples in one run. */
static void test_render_families_are_contiguous(void **state)
{
    (void)state;
    uint64_t samples = 0;
    char *body = render_profile(PROFILES_DIR "/default.yaml", 1, 3, 1, &samples);
    char seen[64][64];
    size_t n_seen = 0;
    char current[64] = "";
    uint64_t lines = 0;
    assert_true(body[strlen(body) - 1] == '\n');
    assert_null(strchr(body, '\r'));
    for (char *line = strtok(body, "\n"); line; line = strtok(NULL, "\n")) {
        char name[64];
        if (strncmp(line, "# HELP ", 7) == 0) {
            sscanf(line + 7, "%63s", name);
            for (size_t i = 0; i < n_seen; i++)
                if (strcmp(seen[i], name) == 0)
                    fail_msg("family %s appears twice", name);
            snprintf(seen[n_seen++], 64, "%s", name);
            snprintf(current, sizeof(current), "%s", name);
            continue;
        }
        if (strncmp(line, "# TYPE ", 7) == 0) {
            sscanf(line + 7, "%63s", name);
            assert_string_equal(name, current);
            continue;
        }
        size_t len = strcspn(line, "{ ");
        if (len != strlen(current) || strncmp(line, current, len) != 0)
            fail_msg("sample outside its family block: %s (in %s)", line, current);
        lines++;
    }
    assert_int_equal(lines, samples);
    /* per-port, per-device, switchsim_* and process_* */
    assert_int_equal(n_seen,
                     22 + 3 + 14); /* switchsim_remote_write_*: not without --remote-write */
    free(body);
}

/* A duration measured in nanoseconds is exposed in whole microseconds, not 17+ digits. */
static void test_render_durations_are_short(void **state)
{
    (void)state;
    const char *paths[] = {FIXTURE("fixtures/profiles/ok/minimal.yaml")};
    struct fleet *fleet = NULL;
    struct errbuf err;
    assert_int_equal(profile_load(paths, 1, &stack_budget, &fleet, &err), 0);
    struct sim *sim = sim_new(fleet, 1, START_MS);
    struct build_info build = {"1", "2"};
    struct collectors *c = collectors_new(fleet, &build, START_MS);
    struct registry reg;
    registry_init(&reg);
    collectors_register(c, &reg);
    struct strbuf sb;
    strbuf_init(&sb, 1024, 1 << 20);
    struct expo w;
    expo_init(&w, &sb, EXPO_TEXT_004, START_MS, 0);
    static const char *const handlers[] = {"/metrics", "other"};
    uint64_t counts[2 * REQUEST_N_CODES] = {0};
    counts[0 * REQUEST_N_CODES + request_code_slot(200)] = 7;
    counts[1 * REQUEST_N_CODES + request_code_slot(404)] = 2;
    counts[1 * REQUEST_N_CODES + request_code_slot(418)] = 1; /* an unlisted code */
    struct request_counts requests = {handlers, 2, counts};
    struct remote_write_counts rw = {
        .sent = 5, .failed = 1, .retried = 2, .dropped = 3, .pending = 4};
    struct scrape_ctx ctx = {sim,
                             {catalog_all(), 0, 1, NULL},
                             {.last_render_seconds = 0.000123456789123},
                             &requests,
                             &rw};
    assert_int_equal(registry_collect(&reg, &w, &ctx, &err), 0);
    assert_non_null(strstr(sb.data, "\nswitchsim_last_render_duration_seconds 0.000123\n"));
    /* the remote-write counts, each field in its own family; the shard (collectors_new's) */
    assert_non_null(strstr(sb.data, "\nswitchsim_remote_write_samples_sent_total 5\n"));
    assert_non_null(strstr(sb.data, "\nswitchsim_remote_write_samples_failed_total 1\n"));
    assert_non_null(strstr(sb.data, "\nswitchsim_remote_write_samples_retried_total 2\n"));
    assert_non_null(strstr(sb.data, "\nswitchsim_remote_write_samples_dropped_total 3\n"));
    assert_non_null(strstr(sb.data, "\nswitchsim_remote_write_samples_pending 4\n"));
    assert_non_null(strstr(sb.data, "\nswitchsim_shard_info{shard=\"0\",shards=\"1\"} 1\n"));
    /* the requests counted so far, one series per (handler, code) seen */
    assert_non_null(strstr(sb.data,
                           "# TYPE switchsim_http_requests_total counter\n"
                           "switchsim_http_requests_total{handler=\"/metrics\",code=\"200\"} 7\n"
                           "switchsim_http_requests_total{handler=\"other\",code=\"404\"} 2\n"
                           "switchsim_http_requests_total{handler=\"other\",code=\"other\"} 1\n"));
    strbuf_cleanup(&sb);
    collectors_free(c);
    sim_free(sim);
    fleet_free(fleet);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_escapes_label_values),
        cmocka_unit_test(test_render_escapes_help),
        cmocka_unit_test(test_render_formats_numbers),
        cmocka_unit_test(test_render_structure_rules),
        cmocka_unit_test(test_render_misuse_is_an_error),
        cmocka_unit_test(test_render_formats_spell_families),
        cmocka_unit_test(test_render_size_cap_is_an_error),
        cmocka_unit_test(test_render_golden_small_fleet),
        cmocka_unit_test(test_render_golden_hostile_labels),
        cmocka_unit_test(test_render_families_are_contiguous),
        cmocka_unit_test(test_render_durations_are_short),
    };
    return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}
