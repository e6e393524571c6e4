/* test_profile.c - profile loading: every kind of bad input gets an exact
 * "file:line:column: where: what" message, and good profiles load as written. */
#include "testutil.h"

#include "config/profile.h"
#include "metrics/collectors.h"

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
     "devices)"},
    {BAD("unknown_device_key.yaml"),
     ":3:5: devices[0]: unknown key \"colour\" (expected one of: name, count, first, template, "
     "vendor, model, labels, port_groups, ports)"},
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
        int rc = profile_load(paths, 1, &fleet, &err);
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
    assert_int_equal(profile_load(paths, 1, &fleet, &err), -1);
    assert_string_equal(err.msg, "/nonexistent/x.yaml: cannot open: No such file or directory");
    assert_null(fleet);
}

static void test_profile_small_loads_as_written(void **state)
{
    (void)state;
    struct fleet *fleet = NULL;
    struct errbuf err;
    const char *paths[] = {FIXTURE("fixtures/profiles/ok/small.yaml")};
    assert_int_equal(profile_load(paths, 1, &fleet, &err), 0);
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
    assert_int_equal(tor1->ports[0].spec->buffer_drain_ms, 2000);
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
    assert_double_near(tor1->ports[3].spec->traffic.burst_factor, 2.0, 1e-12);
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
    if (profile_load(paths, 1, &fleet, &err) != 0)
        fail_msg("%s", err.msg);
    /* The default fleet: 2 spines x 32 ports, 4 leaves x 52 ports, mixed speeds. */
    assert_int_equal(fleet->n_devices, 6);
    assert_int_equal(fleet->n_ports, 2 * 32 + 4 * 52);
    fleet_free(fleet);
    /* and the whole directory (every shipped profile together) */
    const char *dir[] = {PROFILES_DIR};
    if (profile_load(dir, 1, &fleet, &err) != 0)
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
    assert_int_equal(profile_load(both, 2, &fleet, &err), 0);
    assert_int_equal(fleet->n_devices, 4);
    assert_int_equal(fleet->devices[3].first_port_index, 10);
    fleet_free(fleet);

    const char *dup = FIXTURE("fixtures/profiles/multi/dup_of_small.yaml");
    const char *clash[] = {small, dup};
    fleet = NULL;
    assert_int_equal(profile_load(clash, 2, &fleet, &err), -1);
    char want[512];
    snprintf(want, sizeof(want), "%s:3:11: devices[0].name: duplicate device name \"core1\"", dup);
    assert_string_equal(err.msg, want);
    assert_null(fleet);

    const char *tick5 = FIXTURE("fixtures/profiles/multi/tick5s.yaml");
    const char *ticks[] = {small, tick5};
    assert_int_equal(profile_load(ticks, 2, &fleet, &err), -1);
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
    assert_int_equal(profile_load(paths, 1, &fleet, &err), -1);
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
    assert_int_equal(profile_load(paths, 1, &fleet, &err), 0);
    const struct port_spec *s = fleet->devices[0].ports[0].spec;
    struct port_spec want;
    port_spec_defaults(&want);
    assert_int_equal(s->speed_bps, want.speed_bps);
    assert_string_equal(s->type, "ethernet");
    assert_string_equal(fleet->devices[0].vendor, "switchsim");
    assert_string_equal(fleet->devices[0].model, "generic");
    assert_false(fleet->seed_set);
    assert_int_equal(fleet->tick_ms, MODEL_DEFAULT_TICK_MS);
    fleet_free(fleet);
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
    };
    return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
