/* test_profile.c - profile loading: every kind of bad input gets an exact
 * "file:line:column: where: what" message, and good profiles load as written. */
#include "testutil.h"

#include <sys/stat.h>
#include <sys/types.h>

#include "base/units.h"
#include "config/profile.h"
#include "config/yaml.h"
#include "metrics/collectors.h"
#include "stack.h"

#define BAD(name) FIXTURE("fixtures/profiles/bad/" name)

static const struct {
    const char *path;
    const char *message; /* what follows the path */
} bad_cases[] = {
    {BAD("syntax.yaml"), ":4:1: YAML syntax error: did not find expected ',' or ']' (while "
                         "parsing a flow sequence started at line 3, column 18)"},
    {BAD("empty.yaml"), ": profile is empty"},
    {BAD("unknown_top_key.yaml"),
     ":1:1: profile: unknown key \"devcies\" (expected one of: simulation, defaults, templates, "
     "devices, links, scenario)"},
    {BAD("unknown_device_key.yaml"),
     ":3:5: devices[0]: unknown key \"colour\" (expected one of: name, count, first, template, "
     "vendor, model, reboot, labels, port_groups, ports)"},
    {BAD("link_unknown_device.yaml"), ":6:16: links[0][1]: unknown device \"sw9\""},
    {BAD("link_unknown_port.yaml"), ":6:16: links[0][1]: device \"sw2\" has no port \"eth9\""},
    {BAD("link_port_twice.yaml"), ":7:5: links[1]: port sw1:eth1 is already in a link"},
    {BAD("link_speed_mismatch.yaml"),
     ":8:5: links[0]: the ends' speeds differ: sw1:eth1 is 10000000000 b/s, sw2:up1 is "
     "100000000000 b/s"},
    {BAD("scenario_unknown_kind.yaml"),
     ":5:12: scenario[0].kind: unknown kind \"meteor\" (one of link_cut, admin_down, flap, reboot, "
     "congestion, error_burst, broadcast_storm, probe_slow, probe_error, probe_hang, fibre_cut, "
     "flapping_optic, "
     "incast_congestion, probe_outage)"},
    {BAD("scenario_unknown_port.yaml"), ":5:5: scenario[0]: device sw1 has no port \"eth9\""},
    {BAD("scenario_bad_at.yaml"),
     ":5:37: scenario[0].at: expected +DURATION (after loading) or a UTC time like "
     "2026-11-22T10:00:00Z, got \"tomorrow\""},
    {BAD("scenario_no_time.yaml"),
     ":5:5: scenario[0]: an event needs `at:` (or `every:` to repeat)"},
    {BAD("scenario_bad_param.yaml"),
     ":5:5: scenario[0]: factor of congestion must be from 1.5 to 1000"},
    {BAD("scenario_longer_than_period.yaml"),
     ":5:5: scenario[0]: a fault that repeats lasts at most its period (every 60000 ms, for "
     "120000 ms)"},
    {BAD("link_one_end.yaml"), ":6:5: links[0]: a link has two ends, [DEVICE:PORT, DEVICE:PORT]"},
    {BAD("fabric_too_few_ports.yaml"),
     ":9:7: links[0].fabric: the fabric needs port \"eth5\" on sw1, which it does not have "
     "(2 lower and 2 upper devices, 3 links per pair)"},
    {BAD("devices_not_list.yaml"), ":2:3: devices: expected a list, got a mapping"},
    {BAD("bad_speed.yaml"), ":6:16: devices[0].port_groups[0].speed: expected a speed such as "
                            "25G, 100Gbps or 400Gb/s, got \"fast\""},
    {BAD("speed_out_of_range.yaml"),
     ":6:16: devices[0].port_groups[0].speed: 10T is out of range [1M, 1.6T]"},
    {BAD("utilization_out_of_range.yaml"),
     ":7:24: devices[0].port_groups[0].traffic.utilization: 1.5 is out of range [0, 1]"},
    {BAD("negative_noise.yaml"), ":2:20: defaults.traffic.noise: -0.1 is out of range [0, 1]"},
    {BAD("bad_duration.yaml"),
     ":6:22: devices[0].port_groups[0].link.mtbf: expected a duration such as 500ms, 30s, 5m, 2h "
     "or 1h30m, got \"5 minutes\""},
    {BAD("bad_size.yaml"), ":6:28: devices[0].port_groups[0].buffer.capacity: expected a size "
                           "such as 12MiB, 512KiB or 9216B, got \"12 megs\""},
    {BAD("traffic_not_mapping.yaml"),
     ":6:18: devices[0].port_groups[0].traffic: expected a mapping, got a scalar"},
    {BAD("duplicate_device.yaml"), ":5:11: devices[1].name: duplicate device name \"sw2\""},
    {BAD("duplicate_port.yaml"),
     ":5:9: devices[0].port_groups[1]: duplicate port name \"eth4\" on device \"sw1\""},
    {BAD("duplicate_key.yaml"), ":3:3: simulation: duplicate key \"tick\" (first at line 2)"},
    {BAD("missing_devices.yaml"), ":1:1: profile: missing required key \"devices\""},
    {BAD("missing_name.yaml"), ":2:5: devices[0]: missing required key \"name\""},
    {BAD("unknown_template.yaml"), ":6:15: devices[0].template: unknown template \"lef\""},
    {BAD("count_without_placeholder.yaml"),
     ":2:11: devices[0].name: name pattern \"leaf\" needs {n} when count is 4"},
    {BAD("override_unknown_port.yaml"),
     ":5:7: devices[0].ports.eth9: device \"sw1\" has no port named \"eth9\""},
    {BAD("bad_link_state.yaml"), ":5:23: devices[0].port_groups[0].link.state: expected one of "
                                 "auto, up, down, got \"flapping\""},
    {BAD("too_many_ports.yaml"),
     ":2:5: devices[0]: device \"sw1\" has 1200 ports, more than the limit of 1024"},
    {BAD("too_many_series.yaml"),
     ":2:5: devices[0]: the fleet would expose more than the limit of 10000000 series"},
    {BAD("bad_label_name.yaml"), ":3:14: devices[0].labels.rack-id: invalid label name "
                                 "\"rack-id\" (letters, digits and _, not starting with a digit)"},
    {BAD("reserved_label.yaml"),
     ":3:14: devices[0].labels.instance: label name \"instance\" is reserved"},
    {BAD("bad_placeholder.yaml"), ":3:26: devices[0].port_groups[0].name: bad placeholder in "
                                  "name pattern \"eth{i}\" (use {n} or {n:03})"},
    {BAD("count_zero.yaml"), ":3:43: devices[0].port_groups[0].count: 0 is out of range [1, 1024]"},
    {BAD("tick_too_short.yaml"), ":2:9: simulation.tick: 10ms is out of range [100ms, 1h]"},
    {BAD("two_documents.yaml"),
     ":5:1: profile: a profile file holds one YAML document; found a second"},
    {BAD("no_port_groups.yaml"),
     ":2:5: devices[0]: device needs port_groups (directly or from its template)"},
};

static void test_profile_bad_inputs_exact_messages(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        struct fleet *fleet = (struct fleet *)0x1; /* must stay untouched on failure */
        struct errbuf err = {{0}};
        const char *paths[] = {bad_cases[i].path};
        int rc = profile_load(paths, 1, &stack_budget, &fleet, &err);
        char want[1024];
        snprintf(want, sizeof(want), "%s%s", bad_cases[i].path, bad_cases[i].message);
        if (rc != -1 || strcmp(err.msg, want) != 0)
            fail_msg("case %zu (%s):\n  got  rc=%d \"%s\"\n  want rc=-1 \"%s\"", i,
                     bad_cases[i].path, rc, err.msg, want);
        assert_ptr_equal(fleet, (struct fleet *)0x1);
    }
}

static void test_profile_every_bad_fixture_is_covered(void **state)
{
    (void)state;
    /* A fixture without a case would be an untested claim. */
    FILE *ls = popen("ls " TEST_DATA_DIR "/fixtures/profiles/bad/*.yaml | wc -l", "r");
    assert_non_null(ls);
    int n = 0;
    assert_int_equal(fscanf(ls, "%d", &n), 1);
    pclose(ls);
    assert_int_equal(n, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
}

static void test_profile_missing_file(void **state)
{
    (void)state;
    struct fleet *fleet = NULL;
    struct errbuf err;
    const char *paths[] = {"/nonexistent/x.yaml"};
    assert_int_equal(profile_load(paths, 1, &stack_budget, &fleet, &err), -1);
    assert_string_equal(err.msg, "/nonexistent/x.yaml: cannot open: No such file or directory");
    assert_null(fleet);
}

static void test_profile_small_loads_as_written(void **state)
{
    (void)state;
    struct fleet *fleet = NULL;
    struct errbuf err;
    const char *paths[] = {FIXTURE("fixtures/profiles/ok/small.yaml")};
    assert_int_equal(profile_load(paths, 1, &stack_budget, &fleet, &err), 0);
    assert_int_equal(fleet->n_devices, 3);
    assert_int_equal(fleet->n_ports, 4 + 4 + 2);
    assert_int_equal(fleet->tick_ms, 1000);
    assert_true(fleet->seed_set);
    assert_int_equal(fleet->seed, 7);

    const struct device *tor1 = &fleet->devices[0];
    assert_string_equal(tor1->name, "tor01"); /* {n:02} */
    assert_string_equal(fleet->devices[1].name, "tor02");
    assert_string_equal(tor1->vendor, "Acme");
    assert_string_equal(tor1->model, "TOR-8");
    assert_int_equal(tor1->n_labels, 1);
    assert_string_equal(tor1->labels[0].name, "role");
    assert_string_equal(tor1->labels[0].value, "leaf");
    assert_int_equal(tor1->n_ports, 4);
    assert_string_equal(tor1->ports[0].name, "swp1");
    assert_string_equal(tor1->ports[3].name, "uplink1");
    assert_int_equal(tor1->ports[0].spec->speed_bps, 25000000000ULL);
    assert_int_equal(tor1->ports[0].spec->buffer_capacity_bytes, 2 * 1024 * 1024);
    assert_int_equal(tor1->ports[0].spec->link.mtbf_ms, 3600 * 1000); /* from defaults */
    assert_int_equal(tor1->ports[0].spec->link.pin, LINK_PIN_NONE);
    /* per-port override: only swp3 is pinned, and it keeps its group's settings */
    assert_int_equal(tor1->ports[2].spec->link.pin, LINK_PIN_DOWN);
    assert_string_equal(tor1->ports[2].spec->description, "pinned down for tests");
    assert_int_equal(tor1->ports[2].spec->speed_bps, 25000000000ULL);
    assert_int_equal(tor1->ports[2].spec->link.mtbf_ms, 3600 * 1000);
    assert_int_equal(tor1->ports[1].spec->link.pin, LINK_PIN_NONE);
    assert_int_equal(tor1->ports[3].spec->speed_bps, 100000000000ULL);
    assert_double_near(tor1->ports[3].spec->traffic.utilization, 0.6, 1e-12);
    assert_double_near(tor1->ports[3].spec->traffic.microbursts_per_s, 20.0, 1e-12);
    assert_string_equal(tor1->ports[3].spec->type, "QSFP28");

    const struct device *core = &fleet->devices[2];
    assert_string_equal(core->name, "core1");
    assert_int_equal(core->first_port_index, 8);
    assert_string_equal(core->labels[1].value, "lab \"A\"");
    assert_string_equal(core->ports[1].name, "Ethernet1/2");
    assert_string_equal(core->ports[1].spec->description, "core link");
    assert_int_equal(core->ports[1].spec->speed_bps, 400000000000ULL);
    fleet_free(fleet);
}

static void test_profile_shipped_profiles_load(void **state)
{
    (void)state;
    const char *paths[] = {PROFILES_DIR "/default.yaml"};
    struct fleet *fleet = NULL;
    struct errbuf err;
    if (profile_load(paths, 1, &stack_budget, &fleet, &err) != 0)
        fail_msg("%s", err.msg);
    /* The default fleet: 2 spines x 32 ports, 4 leaves x 52 ports, mixed speeds. */
    assert_int_equal(fleet->n_devices, 6);
    assert_int_equal(fleet->n_ports, 2 * 32 + 4 * 52);
    fleet_free(fleet);
    /* and the whole directory (every shipped profile together) */
    const char *dir[] = {PROFILES_DIR};
    if (profile_load(dir, 1, &stack_budget, &fleet, &err) != 0)
        fail_msg("%s", err.msg);
    assert_true(fleet->n_devices >= 6);
    fleet_free(fleet);
}

static void test_profile_multiple_files_share_one_namespace(void **state)
{
    (void)state;
    struct fleet *fleet = NULL;
    struct errbuf err;
    const char *small = FIXTURE("fixtures/profiles/ok/small.yaml");
    const char *minimal = FIXTURE("fixtures/profiles/ok/minimal.yaml");
    const char *both[] = {small, minimal};
    assert_int_equal(profile_load(both, 2, &stack_budget, &fleet, &err), 0);
    assert_int_equal(fleet->n_devices, 4);
    assert_int_equal(fleet->devices[3].first_port_index, 10);
    fleet_free(fleet);

    const char *dup = FIXTURE("fixtures/profiles/multi/dup_of_small.yaml");
    const char *clash[] = {small, dup};
    fleet = NULL;
    assert_int_equal(profile_load(clash, 2, &stack_budget, &fleet, &err), -1);
    char want[512];
    snprintf(want, sizeof(want), "%s:3:11: devices[0].name: duplicate device name \"core1\"", dup);
    assert_string_equal(err.msg, want);
    assert_null(fleet);

    const char *tick5 = FIXTURE("fixtures/profiles/multi/tick5s.yaml");
    const char *ticks[] = {small, tick5};
    assert_int_equal(profile_load(ticks, 2, &stack_budget, &fleet, &err), -1);
    snprintf(want, sizeof(want),
             "%s:2:9: simulation.tick: 5s conflicts with the tick of 1000ms set at %s:3:9", tick5,
             small);
    assert_string_equal(err.msg, want);
}

static void test_profile_directory_without_profiles(void **state)
{
    (void)state;
    struct fleet *fleet = NULL;
    struct errbuf err;
    const char *paths[] = {FIXTURE("golden")};
    assert_int_equal(profile_load(paths, 1, &stack_budget, &fleet, &err), -1);
    char want[512];
    snprintf(want, sizeof(want), "%s: directory holds no *.yaml or *.yml profile", paths[0]);
    assert_string_equal(err.msg, want);
}

static void test_profile_minimal_gets_documented_defaults(void **state)
{
    (void)state;
    struct fleet *fleet = NULL;
    struct errbuf err;
    const char *paths[] = {FIXTURE("fixtures/profiles/ok/minimal.yaml")};
    assert_int_equal(profile_load(paths, 1, &stack_budget, &fleet, &err), 0);
    const struct port_spec *s = fleet->devices[0].ports[0].spec;
    struct port_spec want;
    profile_port_defaults(&want);
    assert_int_equal(s->speed_bps, want.speed_bps);
    assert_string_equal(s->type, "ethernet");
    assert_string_equal(fleet->devices[0].vendor, "switchsim");
    assert_string_equal(fleet->devices[0].model, "generic");
    assert_false(fleet->seed_set);
    assert_int_equal(fleet->tick_ms, MODEL_DEFAULT_TICK_MS);
    fleet_free(fleet);
}

/* The defaults the rows give, written out literally (they were hard-coded before). */
static void test_profile_port_defaults_literal(void **state)
{
    (void)state;
    struct port_spec s;
    profile_port_defaults(&s);
    assert_string_equal(s.type, "ethernet");
    assert_string_equal(s.description, "");
    assert_int_equal(s.speed_bps, 10000000000ULL);
    assert_int_equal(s.buffer_capacity_bytes, 4ULL * 1024 * 1024);
    assert_int_equal(s.admin_down, 0);
    assert_double_near(s.traffic.utilization, 0.3, 0);
    assert_double_near(s.traffic.daily_swing, 0.3, 0);
    assert_double_near(s.traffic.peak_hour_utc, 15.0, 0);
    assert_double_near(s.traffic.noise, 0.15, 0);
    assert_int_equal(s.traffic.noise_period_ms, 5 * 60 * 1000);
    assert_double_near(s.traffic.port_spread, 0.8, 0);
    assert_double_near(s.traffic.microbursts_per_s, 50.0, 0);
    assert_int_equal(s.traffic.microburst_bytes, 16 * 1024);
    assert_int_equal(s.traffic.packet_size_bytes, 1400);
    assert_double_near(s.traffic.error_ratio, 1e-8, 0);
    assert_double_near(s.traffic.bad_link_share, 0.05, 0);
    assert_int_equal(s.link.mtbf_ms, 0);
    assert_int_equal(s.link.mttr_ms, 60000);
    assert_int_equal(s.link.pin, LINK_PIN_NONE);
}

/* Parses text as a row of kind `kind` would. */
static int parse_as(const struct skey *row, const char *text, uint64_t *u, double *d)
{
    struct errbuf e;
    switch (row->kind) {
    case SKIND_DURATION_MS:
        return units_parse_duration_ms(text, u, &e);
    case SKIND_SIZE_BYTES:
        return units_parse_size_bytes(text, u, &e);
    case SKIND_SPEED_BPS:
        return units_parse_speed_bps(text, u, &e);
    case SKIND_U64:
        return units_parse_u64(text, u, &e);
    case SKIND_RATIO:
        return units_parse_ratio(text, d, &e);
    case SKIND_REAL:
        return units_parse_double(text, d, &e);
    default:
        return -1;
    }
}

/* Every bound and default a row prints reads back as the number the row holds, and every
 * default lies within its row's range: what people read is what the loader checks. */
static void check_rows(const struct skey *table)
{
    for (const struct skey *row = table; row->name; row++) {
        if (row->sub) {
            check_rows(row->sub);
            continue;
        }
        int unsigned_kind = row->kind == SKIND_DURATION_MS || row->kind == SKIND_SIZE_BYTES ||
                            row->kind == SKIND_SPEED_BPS || row->kind == SKIND_U64;
        int real_kind = row->kind == SKIND_RATIO || row->kind == SKIND_REAL;
        if (!unsigned_kind && !real_kind)
            continue;
        uint64_t lo = row->zero_or_min_u ? row->zero_or_min_u : row->min_u;
        uint64_t values_u[] = {lo, row->max_u, row->def_u};
        double values_d[] = {row->min_d, row->max_d, row->def_d};
        for (int i = 0; i < (row->has_default ? 3 : 2); i++) {
            char text[64];
            schema_value_text(row, values_u[i], values_d[i], text, sizeof(text));
            uint64_t u = 0;
            double d = 0;
            if (parse_as(row, text, &u, &d) < 0)
                fail_msg("%s: printed value \"%s\" does not parse", row->name, text);
            if (unsigned_kind && u != values_u[i])
                fail_msg("%s: \"%s\" reads back as %llu, not %llu", row->name, text,
                         (unsigned long long)u, (unsigned long long)values_u[i]);
            if (real_kind && d != values_d[i])
                fail_msg("%s: \"%s\" reads back as %.17g, not %.17g", row->name, text, d,
                         values_d[i]);
        }
        if (row->has_default && unsigned_kind && row->def_u > row->max_u)
            fail_msg("%s: default above the range", row->name);
        if (row->has_default && unsigned_kind && row->def_u < row->min_u &&
            !(row->zero_or_min_u && row->def_u == 0))
            fail_msg("%s: default below the range", row->name);
        if (row->has_default && real_kind &&
            (row->def_d < row->min_d || row->def_d > row->max_d ||
             (row->max_open && row->def_d >= row->max_d)))
            fail_msg("%s: default outside the range", row->name);
    }
}

static void test_profile_rows_print_what_they_check(void **state)
{
    (void)state;
    for (size_t i = 0; profile_key_tables[i]; i++)
        check_rows(profile_keys(profile_key_tables[i]));
    /* and the printer itself, on values with a known spelling */
    const struct skey *speed = schema_find(profile_keys("port_settings"), "speed");
    const struct skey *port_group = profile_keys("port_group");
    char text[64];
    schema_range_text(speed, text, sizeof(text));
    assert_string_equal(text, "[1M, 1.6T]");
    schema_range_text(schema_find(profile_keys("simulation"), "tick"), text, sizeof(text));
    assert_string_equal(text, "[100ms, 1h]");
    schema_range_text(schema_find(port_group, "count"), text, sizeof(text));
    assert_string_equal(text, "[1, 1024]");
    const struct skey *settings = profile_keys("port_settings");
    const struct skey *link = NULL, *buffer = NULL;
    for (const struct skey *r = settings; r->name; r++) {
        if (strcmp(r->name, "link") == 0)
            link = r->sub;
        if (strcmp(r->name, "buffer") == 0)
            buffer = r->sub;
    }
    assert_non_null(link);
    assert_non_null(buffer);
    schema_range_text(schema_find(link, "mtbf"), text, sizeof(text));
    assert_string_equal(text, "0 or [1s, 1y]");
    schema_range_text(schema_find(buffer, "capacity"), text, sizeof(text));
    assert_string_equal(text, "[1KiB, 4GiB]");
    schema_value_text(schema_find(link, "mttr"), 5400000, 0, text, sizeof(text));
    assert_string_equal(text, "1h30m");
}

/* docs/PROFILES.md holds each key table between "<!-- keys: NAME -->" and "<!-- /keys -->"
 * exactly as the rows generate it: every key documented with its default and range, no
 * stale key. */
static void test_profile_docs_tables_match_rows(void **state)
{
    (void)state;
    char *doc = testutil_read_file(TEST_DATA_DIR "/../docs/PROFILES.md", NULL);
    assert_non_null(doc);
    size_t n_blocks = 0;
    for (const char *p = doc; (p = strstr(p, "<!-- keys: ")); p++)
        n_blocks++;
    size_t n_tables = 0;
    for (size_t i = 0; profile_key_tables[i]; i++, n_tables++) {
        char marker[64];
        snprintf(marker, sizeof(marker), "<!-- keys: %s -->\n", profile_key_tables[i]);
        const char *start = strstr(doc, marker);
        if (!start)
            fail_msg("docs/PROFILES.md lacks the block %s", marker);
        start += strlen(marker);
        const char *end = strstr(start, "<!-- /keys -->");
        assert_non_null(end);
        struct strbuf want;
        strbuf_init(&want, 4096, 1 << 20);
        schema_doc_table(profile_keys(profile_key_tables[i]), &want);
        size_t got_len = (size_t)(end - start);
        if ((got_len != want.len || memcmp(start, want.data, got_len) != 0) &&
            getenv("UPDATE_DOCS")) { /* rewrite the block, as test_docs does for METRICS.md */
            size_t head = (size_t)(start - doc), tail_len = strlen(end);
            char *next = malloc(head + want.len + tail_len + 1);
            memcpy(next, doc, head);
            memcpy(next + head, want.data, want.len);
            memcpy(next + head + want.len, end, tail_len + 1);
            FILE *out = fopen(TEST_DATA_DIR "/../docs/PROFILES.md", "w");
            assert_non_null(out);
            fputs(next, out);
            fclose(out);
            free(doc);
            doc = next;
            strbuf_cleanup(&want);
            continue;
        }
        if (got_len != want.len || memcmp(start, want.data, got_len) != 0)
            fail_msg("docs/PROFILES.md, table %s, differs from the rows (UPDATE_DOCS=1 "
                     "rewrites it); it should read:\n%s",
                     profile_key_tables[i], want.data);
        strbuf_cleanup(&want);
    }
    assert_int_equal(n_blocks, n_tables); /* no block for a table that is gone */
    free(doc);
}

/* ---- hardening (issue 14): generated inputs, each rejected with a clear message or
 * loaded; none may hang, truncate or take more than linear time. -------------------------- */

static char tmp_dir[64];

static int make_tmp_dir(void **state)
{
    (void)state;
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/switchsim_profile_XXXXXX");
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int remove_tmp_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes bytes to tmp_dir/name; returns the path (static storage, one at a time). */
static const char *write_profile(const char *name, const char *data, size_t len)
{
    static char path[256];
    snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    return path;
}

static const char *write_sb(const char *name, struct strbuf *sb)
{
    assert_false(sb->overflow);
    const char *path = write_profile(name, sb->data, sb->len);
    strbuf_cleanup(sb);
    return path;
}

/* Loads path with budget; expects failure with a message that, after "path", starts with
 * want (want NULL: expects success and returns the fleet). */
static struct fleet *load_expect(const char *path, const struct profile_budget *budget,
                                 const char *want)
{
    struct fleet *fleet = NULL;
    struct errbuf err = {{0}};
    const char *paths[] = {path};
    int rc = profile_load(paths, 1, budget, &fleet, &err);
    if (!want) {
        if (rc != 0)
            fail_msg("%s", err.msg);
        return fleet;
    }
    size_t plen = strlen(path);
    if (rc != -1 || strncmp(err.msg, path, plen) != 0 ||
        strncmp(err.msg + plen, want, strlen(want)) != 0)
        fail_msg("got rc=%d \"%s\"\nwant \"%s%s...\"", rc, err.msg, path, want);
    assert_null(fleet);
    return NULL;
}

static void test_profile_fifo_is_refused_without_blocking(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/fifo.yaml", tmp_dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    /* No writer ever opens the FIFO: opening it for reading would block forever. */
    load_expect(path, &stack_budget, ": not a regular file");
    /* and inside a directory, where it matches *.yaml */
    char dir[96];
    snprintf(dir, sizeof(dir), "%s/fifodir", tmp_dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(path, sizeof(path), "%s/a.yaml", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    struct fleet *fleet = NULL;
    struct errbuf err;
    const char *paths[] = {dir};
    assert_int_equal(profile_load(paths, 1, &stack_budget, &fleet, &err), -1);
    char want[256];
    snprintf(want, sizeof(want), "%s: not a regular file", path);
    assert_string_equal(err.msg, want);
    load_expect("/dev/null", &stack_budget, ": not a regular file");
}

#define MINIMAL "devices: [{name: sw1, port_groups: [{name: e1}]}]\n"

static void test_profile_every_document_is_checked(void **state)
{
    (void)state;
    /* a broken second document: its syntax error, with its position */
    static const char broken[] = MINIMAL "---\nfoo: [1, 2\n";
    load_expect(write_profile("broken2.yaml", broken, sizeof(broken) - 1), &stack_budget,
                ":4:1: YAML syntax error: did not find expected ',' or ']'");
    /* a well-formed second document is refused too */
    static const char second[] = MINIMAL "---\n" MINIMAL;
    load_expect(write_profile("second.yaml", second, sizeof(second) - 1), &stack_budget,
                ":3:1: profile: a profile file holds one YAML document; found a second");
}

/* 1e-320 is a ratio (a subnormal double), 1e400 is not a number a double holds. */
static void test_profile_tiny_ratio_is_a_ratio(void **state)
{
    (void)state;
    static const char tiny[] = "defaults: {traffic: {error_ratio: 1e-320}}\n" MINIMAL;
    struct fleet *fleet =
        load_expect(write_profile("tiny.yaml", tiny, sizeof(tiny) - 1), &stack_budget, NULL);
    double r = fleet->devices[0].ports[0].spec->traffic.error_ratio;
    assert_true(r > 0 && r < 1e-300);
    fleet_free(fleet);
    static const char huge[] = "defaults: {traffic: {error_ratio: 1e400}}\n" MINIMAL;
    load_expect(write_profile("huge.yaml", huge, sizeof(huge) - 1), &stack_budget,
                ":1:35: defaults.traffic.error_ratio: expected a ratio such as 0.35 or 35%, "
                "got \"1e400\"");
}

static void test_profile_nul_and_invalid_utf8_are_refused(void **state)
{
    (void)state;
    /* "e1\0x" must not be taken for the port e1 */
    static const char nul_key[] = "devices:\n"
                                  "  - name: sw1\n"
                                  "    port_groups: [{name: e1}]\n"
                                  "    ports:\n"
                                  "      \"e1\\0x\": {description: x}\n";
    load_expect(write_profile("nul_key.yaml", nul_key, sizeof(nul_key) - 1), &stack_budget,
                ":5:7: YAML: a NUL character (\\0) is not allowed in a scalar");
    static const char nul_value[] = "devices: [{name: \"sw\\x001\", port_groups: [{name: e1}]}]\n";
    load_expect(write_profile("nul_value.yaml", nul_value, sizeof(nul_value) - 1), &stack_budget,
                ":1:18: YAML: a NUL character (\\0) is not allowed in a scalar");
    /* a raw 0xFF byte in a key, and a cut 4-byte sequence in a value */
    static const char bad_key[] = "devices: [{name: sw1, port_groups: [{name: e1}], "
                                  "labels: {a\xff: x}}]\n";
    load_expect(write_profile("bad_key.yaml", bad_key, sizeof(bad_key) - 1), &stack_budget,
                ":1:60: YAML syntax error: invalid leading UTF-8 octet");
    static const char bad_value[] = "devices: [{name: \"sw\xf0\x9f\x98\", port_groups: [{name: "
                                    "e1}]}]\n";
    load_expect(write_profile("bad_value.yaml", bad_value, sizeof(bad_value) - 1), &stack_budget,
                ":1:22: YAML syntax error: invalid trailing UTF-8 octet");
}

static void test_profile_long_names_are_refused_not_cut(void **state)
{
    (void)state;
    char prefix[256];
    memset(prefix, 'a', 240);
    prefix[240] = '\0';
    /* 240 + "-x" and 240 + "-y": distinct names longer than the old 232-byte cut */
    struct strbuf sb;
    strbuf_init(&sb, 4096, 1 << 20);
    strbuf_appendf(&sb,
                   "devices:\n  - name: \"%s-x\"\n    port_groups: [{name: \"%s\xe2\x9c\x93{n}\", "
                   "count: 2}]\n  - name: \"%s-y\"\n    port_groups: [{name: e1}]\n",
                   prefix, prefix, prefix);
    struct fleet *fleet = load_expect(write_sb("long_ok.yaml", &sb), &stack_budget, NULL);
    assert_int_equal(fleet->n_devices, 2);
    assert_int_equal(strlen(fleet->devices[0].name), 242);
    assert_int_equal(strlen(fleet->devices[1].name), 242);
    char want[300];
    snprintf(want, sizeof(want),
             "%s\xe2\x9c\x93"
             "2",
             prefix); /* the emoji stays whole */
    assert_string_equal(fleet->devices[0].ports[1].name, want);
    fleet_free(fleet);

    /* 255 bytes is the limit; {n:07} takes a 255-byte pattern to 256 */
    memset(prefix, 'b', 249);
    prefix[249] = '\0';
    strbuf_init(&sb, 4096, 1 << 20);
    strbuf_appendf(&sb, "devices: [{name: \"%s{n:07}\", port_groups: [{name: e1}]}]\n", prefix);
    load_expect(write_sb("long_device.yaml", &sb), &stack_budget,
                ":1:18: devices[0].name: device name \"bbbbbbbb");
    strbuf_init(&sb, 4096, 1 << 20);
    strbuf_appendf(&sb, "devices: [{name: sw1, port_groups: [{name: \"%s{n:07}\"}]}]\n", prefix);
    const char *path = write_sb("long_port.yaml", &sb);
    struct fleet *none = NULL;
    struct errbuf err;
    const char *paths[] = {path};
    assert_int_equal(profile_load(paths, 1, &stack_budget, &none, &err), -1);
    assert_non_null(strstr(err.msg, ": devices[0].port_groups[0].name: port name \"bbb"));
    assert_non_null(strstr(err.msg, "...\" is 256 bytes, more than the limit of 255"));
    /* a 1 MB name is one line of error, not a 1 MB load */
    char *big = malloc(1 << 20);
    memset(big, 'c', 1 << 20);
    strbuf_init(&sb, (1 << 20) + 4096, 4 << 20);
    strbuf_puts(&sb, "devices: [{name: \"");
    strbuf_append(&sb, big, 1 << 20);
    strbuf_puts(&sb, "\", port_groups: [{name: e1}]}]\n");
    free(big);
    load_expect(write_sb("huge_name.yaml", &sb), &stack_budget, ":1:18: devices[0].name: \"ccccc");
}

static void test_profile_text_and_label_budgets(void **state)
{
    (void)state;
    /* a 9 MiB description on one port */
    size_t big_bytes = 9u << 20;
    struct strbuf sb;
    strbuf_init(&sb, big_bytes + 4096, 16u << 20);
    strbuf_puts(&sb, "devices: [{name: sw1, port_groups: [{name: e1, description: \"");
    char *p = strbuf_grow(&sb, big_bytes);
    memset(p, 'd', big_bytes);
    strbuf_commit(&sb, big_bytes);
    strbuf_puts(&sb, "\"}]}]\n");
    const char *path = write_sb("big_description.yaml", &sb);
    struct fleet *none = NULL;
    struct errbuf err;
    const char *paths[] = {path};
    assert_int_equal(profile_load(paths, 1, &stack_budget, &none, &err), -1);
    assert_non_null(strstr(err.msg, ":1:61: devices[0].port_groups[0].description: \"ddd"));
    assert_non_null(strstr(err.msg, "...\" is 9437184 bytes, more than the limit of 4096"));

    /* 1 MiB shared by 8 x 1024 ports: refused by the same limit, in defaults */
    strbuf_init(&sb, (1u << 20) + 4096, 4u << 20);
    strbuf_puts(&sb, "defaults: {description: \"");
    p = strbuf_grow(&sb, 1u << 20);
    memset(p, 'e', 1u << 20);
    strbuf_commit(&sb, 1u << 20);
    strbuf_puts(&sb, "\"}\ndevices: [{name: \"sw{n}\", count: 8, port_groups: [{name: \"e{n}\", "
                     "count: 1024}]}]\n");
    path = write_sb("shared_description.yaml", &sb);
    paths[0] = path;
    assert_int_equal(profile_load(paths, 1, &stack_budget, &none, &err), -1);
    assert_non_null(strstr(err.msg, ":1:25: defaults.description: \"eee"));

    /* 100,000 devices x 200 labels: a 9 KB file over the label budget */
    strbuf_init(&sb, 16384, 1 << 20);
    strbuf_puts(&sb, "devices:\n  - name: \"sw{n}\"\n    count: 100000\n"
                     "    port_groups: [{name: e1}]\n    labels:\n");
    for (int i = 0; i < 200; i++)
        strbuf_appendf(&sb, "      label_%03d: value_%03d\n", i, i);
    path = write_sb("many_labels.yaml", &sb);
    load_expect(path, &stack_budget,
                ":2:5: devices[0]: label values (names, descriptions, labels) of the fleet would "
                "exceed the limit of 134217728 bytes at device \"sw");
    /* within a larger budget the same file loads, its devices sharing one label array */
    struct profile_budget roomy = stack_budget;
    roomy.max_label_bytes = (uint64_t)1 << 32;
    roomy.max_body_bytes = (uint64_t)1 << 34;
    struct fleet *fleet = load_expect(path, &roomy, NULL);
    assert_int_equal(fleet->n_devices, 100000);
    assert_int_equal(fleet->devices[99999].n_labels, 200);
    assert_string_equal(fleet->devices[99999].labels[199].value, "value_199");
    assert_ptr_equal(fleet->devices[0].labels, fleet->devices[99999].labels);
    /* each label: name 9 + value 9 + 4 bytes of ,="" ; plus vendor, model, names */
    uint64_t per_device = 200 * (9 + 9 + 4) + strlen("switchsim") + strlen("generic") +
                          strlen("e1") + strlen("ethernet");
    uint64_t names = 0;
    for (size_t d = 0; d < fleet->n_devices; d++)
        names += 2 * strlen(fleet->devices[d].name); /* on the device and on its port */
    assert_int_equal(fleet->label_bytes, 100000 * per_device + names);
    fleet_free(fleet);
}

static void test_profile_body_budget(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 4096, 1 << 20);
    strbuf_puts(&sb,
                "devices: [{name: \"sw{n}\", count: 100, port_groups: [{name: \"e{n}\", count: "
                "64}]}]\n");
    const char *path = write_sb("body.yaml", &sb);
    struct fleet *fleet = load_expect(path, &stack_budget, NULL);
    uint64_t bound = fleet->body_bytes_max;
    fleet_free(fleet);
    struct profile_budget tight = stack_budget;
    tight.max_body_bytes = bound - 1; /* the last device tips it over */
    load_expect(path, &tight,
                ":1:11: devices[0]: a scrape of the fleet could exceed the limit of ");
    tight.max_series = 64 * 12 * 50; /* series are checked first */
    load_expect(path, &tight,
                ":1:11: devices[0]: the fleet would expose more than the limit of 38400 series");
}

static void test_profile_deep_nesting_and_aliases(void **state)
{
    (void)state;
    /* 200 KB of nested [ */
    size_t n = 200 * 1024;
    char *deep = malloc(n);
    memset(deep, '[', n);
    load_expect(write_profile("deep.yaml", deep, n), &stack_budget,
                ":1:65: YAML: nested deeper than the limit of 64 levels");
    free(deep);
    /* aliases of aliases: 10^7 nodes from a few hundred bytes */
    struct strbuf sb;
    strbuf_init(&sb, 4096, 1 << 20);
    strbuf_puts(&sb, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i <= 7; i++)
        strbuf_appendf(&sb,
                       "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
                       i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    load_expect(write_sb("laughs.yaml", &sb), &stack_budget,
                ":6:5: YAML: more than the limit of 2000000 nodes (an alias counts as the "
                "nodes it repeats)");
    static const char undefined[] = "devices: [*nope]\n";
    load_expect(write_profile("undefined.yaml", undefined, sizeof(undefined) - 1), &stack_budget,
                ":1:11: YAML: alias *nope names no earlier anchor");
    /* an alias used as intended still works */
    static const char shared[] = "x: &g [{name: e1}]\n";
    (void)shared;
    static const char ok[] = "devices:\n"
                             "  - {name: sw1, port_groups: &g [{name: e1, speed: 25G}]}\n"
                             "  - {name: sw2, port_groups: *g}\n";
    struct fleet *fleet =
        load_expect(write_profile("alias_ok.yaml", ok, sizeof(ok) - 1), &stack_budget, NULL);
    assert_int_equal(fleet->devices[1].ports[0].spec->speed_bps, 25000000000ULL);
    fleet_free(fleet);
}

static void test_profile_many_overrides_and_labels(void **state)
{
    (void)state;
    /* 1,024 overrides in a template used by 1,000 devices (and by 16 more entries) */
    struct strbuf sb;
    strbuf_init(&sb, 1 << 16, 16 << 20);
    strbuf_puts(&sb, "templates:\n  t:\n    port_groups: [{name: \"e{n}\", count: 1024}]\n"
                     "    ports:\n");
    for (int i = 1; i <= 1024; i++)
        strbuf_appendf(&sb, "      e%d: {description: \"port %d\"}\n", i, i);
    strbuf_puts(&sb, "devices:\n  - {name: \"sw{n}\", count: 1000, template: t}\n");
    for (int i = 0; i < 16; i++)
        strbuf_appendf(&sb, "  - {name: \"x%d\", template: t, ports: {e7: {speed: 100G}}}\n", i);
    for (int i = 0; i < 1000; i++) /* entries of their own, sharing the template's ports */
        strbuf_appendf(&sb, "  - {name: \"y%d\", template: t}\n", i);
    const char *path = write_sb("overrides.yaml", &sb);
    struct profile_budget roomy = stack_budget;
    roomy.max_series = 100000000;
    roomy.max_label_bytes = (uint64_t)1 << 32;
    roomy.max_body_bytes = (uint64_t)1 << 34;
    struct fleet *fleet = load_expect(path, &roomy, NULL);
    assert_int_equal(fleet->n_devices, 2016);
    assert_int_equal(fleet->n_ports, 2016 * 1024);
    assert_ptr_equal(fleet->devices[0].ports, fleet->devices[2015].ports);
    assert_ptr_not_equal(fleet->devices[0].ports, fleet->devices[1015].ports);
    assert_string_equal(fleet->devices[2015].ports[1023].spec->description, "port 1024");
    assert_string_equal(fleet->devices[999].ports[1023].spec->description, "port 1024");
    assert_int_equal(fleet->devices[1015].ports[6].spec->speed_bps, 100000000000ULL);
    assert_string_equal(fleet->devices[1015].ports[6].spec->description, "port 7");
    assert_int_equal(fleet->devices[999].ports[6].spec->speed_bps, 10000000000ULL);
    fleet_free(fleet);
    /* with today's series limit the same file is refused, at the device that crosses it */
    load_expect(
        path, &stack_budget,
        ":1030:5: devices[0]: the fleet would expose more than the limit of 10000000 series");

    /* 20,000 labels, then the same with a duplicate key at the end */
    strbuf_init(&sb, 1 << 20, 16 << 20);
    strbuf_puts(&sb, "devices:\n  - name: sw1\n    port_groups: [{name: e1}]\n    labels:\n");
    for (int i = 0; i < 20000; i++)
        strbuf_appendf(&sb, "      l%d: v%d\n", i, i);
    struct strbuf dup;
    strbuf_init(&dup, sb.len + 64, 16 << 20);
    strbuf_append(&dup, sb.data, sb.len);
    strbuf_puts(&dup, "      l17: again\n");
    fleet = load_expect(write_sb("labels.yaml", &sb), &stack_budget, NULL);
    assert_int_equal(fleet->devices[0].n_labels, 20000);
    assert_string_equal(fleet->devices[0].labels[19999].value, "v19999");
    fleet_free(fleet);
    load_expect(write_sb("labels_dup.yaml", &dup), &stack_budget,
                ":20005:7: devices[0].labels: duplicate key \"l17\" (first at line 22)");
}

/* docs/LIMITS.md's profile rows show the constants the loader checks. */
static void test_profile_limits_documented(void **state)
{
    (void)state;
    char *doc = testutil_read_file(TEST_DATA_DIR "/../docs/LIMITS.md", NULL);
    assert_non_null(doc);
    const char *section = strstr(doc, "## Profile limits\n");
    assert_non_null(section);
    const struct skey size_row = {.name = "size", .kind = SKIND_SIZE_BYTES};
    struct {
        const char *constant;
        uint64_t value;
        int is_size;
    } limits[] = {
        {"PROFILE_MAX_FILE_BYTES", PROFILE_MAX_FILE_BYTES, 1},
        {"PROFILE_MAX_DEPTH", PROFILE_MAX_DEPTH, 0},
        {"PROFILE_MAX_NODES", PROFILE_MAX_NODES, 0},
        {"SWITCHSIM_MAX_DEVICES", SWITCHSIM_MAX_DEVICES, 0},
        {"SWITCHSIM_MAX_PORTS_PER_DEVICE", SWITCHSIM_MAX_PORTS_PER_DEVICE, 0},
        {"SWITCHSIM_MAX_SERIES", SWITCHSIM_MAX_SERIES, 0},
        {"SWITCHSIM_MAX_NAME_BYTES", SWITCHSIM_MAX_NAME_BYTES, 0},
        {"SWITCHSIM_MAX_TEXT_BYTES", SWITCHSIM_MAX_TEXT_BYTES, 0},
        {"SWITCHSIM_MAX_LABEL_BYTES", SWITCHSIM_MAX_LABEL_BYTES, 1},
        {"EXPORTER_MAX_BODY_BYTES", EXPORTER_MAX_BODY_BYTES, 1},
    };
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        char value[64];
        if (limits[i].is_size)
            schema_value_text(&size_row, limits[i].value, 0, value, sizeof(value));
        else
            snprintf(value, sizeof(value), "%llu", (unsigned long long)limits[i].value);
        char cell[96];
        snprintf(cell, sizeof(cell), "`%s`", limits[i].constant);
        const char *row = strstr(section, cell);
        if (!row)
            fail_msg("docs/LIMITS.md has no row defined in %s", limits[i].constant);
        const char *line = row;
        while (line > section && line[-1] != '\n')
            line--;
        char want[96];
        snprintf(want, sizeof(want), " | %s | ", value);
        const char *hit = strstr(line, want);
        if (!hit || hit > row)
            fail_msg("docs/LIMITS.md: the row of %s should show %s", limits[i].constant, value);
    }
    free(doc);
}

/* ---- the YAML layer for another file type, as the web config file will use it --------- */

struct web_config {
    const char *cert_file;
    const char *key_file;
    int min_version;
    uint64_t max_users;
    const struct ynode *users;
};

static const char *const tls_versions[] = {"TLS12", "TLS13", NULL};
static const struct skey web_tls_keys[] = {{.name = "cert_file",
                                            .kind = SKIND_TEXT,
                                            .offset = offsetof(struct web_config, cert_file),
                                            .max_bytes = 4096,
                                            .required = 1},
                                           {.name = "key_file",
                                            .kind = SKIND_TEXT,
                                            .offset = offsetof(struct web_config, key_file),
                                            .max_bytes = 4096,
                                            .required = 1},
                                           {.name = "min_version",
                                            .kind = SKIND_ENUM,
                                            .offset = offsetof(struct web_config, min_version),
                                            .choices = tls_versions,
                                            .has_default = 1,
                                            .def_enum = 0},
                                           {0}};
static const struct skey web_keys[] = {{.name = "tls_server_config",
                                        .kind = SKIND_MAPPING,
                                        .offset = SKEY_NO_FIELD,
                                        .sub = web_tls_keys},
                                       {.name = "basic_auth_users",
                                        .kind = SKIND_MAPPING,
                                        .offset = offsetof(struct web_config, users)},
                                       {.name = "max_users",
                                        .kind = SKIND_U64,
                                        .offset = offsetof(struct web_config, max_users),
                                        .min_u = 1,
                                        .max_u = 100,
                                        .has_default = 1,
                                        .def_u = 10},
                                       {0}};

static int load_web(const char *text, struct web_config *cfg, struct yfile **f, struct errbuf *err)
{
    static const struct yload_limits limits = {
        .max_file_bytes = 1 << 20, .max_depth = 8, .max_nodes = 10000};
    if (yfile_load_bytes("web.yml", text, strlen(text), &limits, f, err) < 0)
        return -1;
    memset(cfg, 0, sizeof(*cfg));
    schema_defaults(web_keys, cfg);
    struct schema_ctx ctx = {.err = err};
    const struct ynode *root = yfile_root(*f);
    if (!root)
        return errbuf_set(err, "web.yml: empty");
    if (schema_apply(&ctx, root, "web_config", web_keys, cfg) < 0)
        return -1;
    if (cfg->users) { /* free keys: each value checked with a row of its own */
        static const struct skey hash_row = {.name = "hash", .kind = SKIND_NAME, .max_bytes = 60};
        if (ymap_check(err, cfg->users, "basic_auth_users", NULL) < 0)
            return -1;
        for (size_t i = 0; i < cfg->users->n; i++) {
            char w[YWHERE_BYTES];
            ywhere_key(w, "basic_auth_users", cfg->users->pairs[i].key->text);
            if (schema_value(&ctx, &hash_row, cfg->users->pairs[i].value, w, NULL) < 0)
                return -1;
        }
    }
    return 0;
}

static void test_yaml_layer_serves_a_web_config(void **state)
{
    (void)state;
    struct web_config cfg;
    struct yfile *f = NULL;
    struct errbuf err;
    if (load_web("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n"
                 "basic_auth_users:\n  alice: $2y$10$abc\n",
                 &cfg, &f, &err) < 0)
        fail_msg("%s", err.msg);
    assert_string_equal(cfg.cert_file, "a.crt");
    assert_int_equal(cfg.min_version, 0);
    assert_int_equal(cfg.max_users, 10);
    assert_int_equal(cfg.users->n, 1);
    assert_string_equal(cfg.users->pairs[0].value->text, "$2y$10$abc");
    yfile_free(f);

    static const struct {
        const char *text;
        const char *message;
    } bad[] = {
        {"tls_server_config:\n  cert: a.crt\n",
         "web.yml:2:3: web_config.tls_server_config: unknown key \"cert\" (expected one of: "
         "cert_file, key_file, min_version)"},
        {"tls_server_config:\n  cert_file: a\n",
         "web.yml:2:3: web_config.tls_server_config: missing required key \"key_file\""},
        {"tls_server_config: {cert_file: a, key_file: b, min_version: SSL3}\n",
         "web.yml:1:61: web_config.tls_server_config.min_version: expected one of TLS12, TLS13, "
         "got \"SSL3\""},
        {"max_users: 1000\n", "web.yml:1:12: web_config.max_users: 1000 is out of range [1, 100]"},
        {"basic_auth_users:\n  bob: [x]\n",
         "web.yml:2:8: basic_auth_users.bob: expected a scalar, got a list"},
        {"basic_auth_users:\n  bob: x\n  bob: y\n",
         "web.yml:3:3: basic_auth_users: duplicate key \"bob\" (first at line 2)"},
        {"a: [[[[[[[[[1]]]]]]]]]\n",
         "web.yml:1:11: YAML: nested deeper than the limit of 8 levels"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        f = NULL;
        int rc = load_web(bad[i].text, &cfg, &f, &err);
        if (rc != -1 || strcmp(err.msg, bad[i].message) != 0)
            fail_msg("case %zu: got \"%s\"\nwant \"%s\"", i, rc ? err.msg : "success",
                     bad[i].message);
        yfile_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_bad_inputs_exact_messages),
        cmocka_unit_test(test_profile_every_bad_fixture_is_covered),
        cmocka_unit_test(test_profile_missing_file),
        cmocka_unit_test(test_profile_small_loads_as_written),
        cmocka_unit_test(test_profile_shipped_profiles_load),
        cmocka_unit_test(test_profile_multiple_files_share_one_namespace),
        cmocka_unit_test(test_profile_directory_without_profiles),
        cmocka_unit_test(test_profile_minimal_gets_documented_defaults),
        cmocka_unit_test(test_profile_port_defaults_literal),
        cmocka_unit_test(test_profile_rows_print_what_they_check),
        cmocka_unit_test(test_profile_docs_tables_match_rows),
        cmocka_unit_test(test_profile_limits_documented),
        cmocka_unit_test(test_yaml_layer_serves_a_web_config),
        cmocka_unit_test_setup_teardown(test_profile_fifo_is_refused_without_blocking, make_tmp_dir,
                                        remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_profile_every_document_is_checked, make_tmp_dir,
                                        remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_profile_tiny_ratio_is_a_ratio, make_tmp_dir,
                                        remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_profile_nul_and_invalid_utf8_are_refused, make_tmp_dir,
                                        remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_profile_long_names_are_refused_not_cut, make_tmp_dir,
                                        remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_profile_text_and_label_budgets, make_tmp_dir,
                                        remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_profile_body_budget, make_tmp_dir, remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_profile_deep_nesting_and_aliases, make_tmp_dir,
                                        remove_tmp_dir),
        cmocka_unit_test_setup_teardown(test_profile_many_overrides_and_labels, make_tmp_dir,
                                        remove_tmp_dir),
    };
    return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
