/* test_cli.c - flag parsing: defaults, every flag, and clear errors for bad ones. */
#include "testutil.h"

#include "app/cli.h"

static int parse(struct options *o, struct errbuf *err, int argc, const char **argv)
{
    return cli_parse(argc, (char **)argv, o, err);
}

static void test_cli_defaults(void **state)
{
    (void)state;
    const char *argv[] = {"switchsim"};
    struct options o;
    struct errbuf err;
    assert_int_equal(parse(&o, &err, 1, argv), 0);
    assert_int_equal(o.listen_port, CLI_DEFAULT_PORT);
    assert_string_equal(o.listen_host, "");
    assert_int_equal(o.timestamps, 1);
    assert_int_equal(o.n_profiles, 0);
    assert_false(o.seed_set);
    assert_false(o.start_set);
    assert_int_equal(o.log_level, LOG_LEVEL_INFO);
}

static void test_cli_every_flag(void **state)
{
    (void)state;
    const char *argv[] = {"switchsim",
                          "--profile",
                          "a.yaml",
                          "--profile=dir",
                          "--web.listen-address",
                          "127.0.0.1:9000",
                          "--seed",
                          "42",
                          "--start-time",
                          "2026-11-22T08:00:00.250Z",
                          "--no-timestamps",
                          "--check-config",
                          "--log.level",
                          "debug"};
    struct options o;
    struct errbuf err;
    assert_int_equal(parse(&o, &err, 14, argv), 0);
    assert_int_equal(o.n_profiles, 2);
    assert_string_equal(o.profiles[0], "a.yaml");
    assert_string_equal(o.profiles[1], "dir");
    assert_string_equal(o.listen_host, "127.0.0.1");
    assert_int_equal(o.listen_port, 9000);
    assert_int_equal(o.seed, 42);
    assert_true(o.start_set);
    assert_int_equal(o.start_ms, 1795334400250LL); /* date -u -d 2026-11-22T08:00:00Z +%s */
    assert_int_equal(o.timestamps, 0);
    assert_true(o.check_config);
    assert_int_equal(o.log_level, LOG_LEVEL_DEBUG);
}

static void test_cli_port_flag_overrides_listen_port(void **state)
{
    (void)state;
    const char *argv[] = {"switchsim", "-p", "0", "--web.listen-address", "[::1]:9000"};
    struct options o;
    struct errbuf err;
    assert_int_equal(parse(&o, &err, 5, argv), 0);
    assert_string_equal(o.listen_host, "::1");
    assert_int_equal(o.listen_port, 0);
    const char *argv2[] = {"switchsim", "--port=8080"};
    assert_int_equal(parse(&o, &err, 2, argv2), 0);
    assert_int_equal(o.listen_port, 8080);
}

static void test_cli_bad_flags(void **state)
{
    (void)state;
    static const struct {
        const char *argv[3];
        int argc;
        const char *message;
    } cases[] = {
        {{"switchsim", "--bogus"}, 2, "unknown flag --bogus"},
        {{"switchsim", "-x"}, 2, "unknown flag -x"},
        {{"switchsim", "--port", "99999"},
         3,
         "--port: expected a port number 0-65535, got \"99999\""},
        {{"switchsim", "-p"}, 2, "-p needs a value"},
        {{"switchsim", "--profile"}, 2, "--profile needs a value"},
        {{"switchsim", "--seed", "-1"}, 3, "--seed: expected a non-negative integer, got \"-1\""},
        {{"switchsim", "--log.level", "loud"},
         3,
         "--log.level: expected debug, info, warn or error, got \"loud\""},
        {{"switchsim", "--web.listen-address", "9000"},
         3,
         "--web.listen-address: expected HOST:PORT or :PORT, got \"9000\""},
        {{"switchsim", "--start-time", "yesterday"},
         3,
         "--start-time: expected RFC 3339 UTC such as 2026-11-22T08:00:00Z or Unix seconds, got "
         "\"yesterday\""},
        {{"switchsim", "profile.yaml"},
         2,
         "unexpected argument \"profile.yaml\" (profiles go after --profile)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct options o;
        struct errbuf err = {{0}};
        const char *argv[3] = {cases[i].argv[0], cases[i].argv[1], cases[i].argv[2]};
        int rc = parse(&o, &err, cases[i].argc, argv);
        if (rc != -1 || strcmp(err.msg, cases[i].message) != 0)
            fail_msg("case %zu: rc=%d \"%s\", want \"%s\"", i, rc, err.msg, cases[i].message);
    }
}

static void test_cli_start_time_forms(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_int_equal(cli_parse_time_ms("0", &ms, NULL), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(cli_parse_time_ms("1970-01-01T00:00:00Z", &ms, NULL), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(cli_parse_time_ms("2000-03-01T00:00:01Z", &ms, NULL), 0);
    assert_int_equal(ms, 951868801000LL);
    assert_int_equal(cli_parse_time_ms("1795334400", &ms, NULL), 0);
    assert_int_equal(ms, 1795334400000LL);
    assert_int_equal(cli_parse_time_ms("2026-13-01T00:00:00Z", &ms, NULL), -1);
    assert_int_equal(cli_parse_time_ms("2026-11-22T08:00:00+01:00", &ms, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_defaults),
        cmocka_unit_test(test_cli_every_flag),
        cmocka_unit_test(test_cli_port_flag_overrides_listen_port),
        cmocka_unit_test(test_cli_bad_flags),
        cmocka_unit_test(test_cli_start_time_forms),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
