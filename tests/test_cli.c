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
        {{"switchsim", "--web.max-connections", "0"},
         3,
         "--web.max-connections: must be more than 0"},
        {{"switchsim", "--web.request-timeout", "ten"},
         3,
         "--web.request-timeout: expected a duration such as 500ms, 30s, 5m, 2h or 1h30m, got "
         "\"ten\""},
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
        {{"switchsim", "--start-time", "2026-02-31T00:00:00Z"},
         3,
         "--start-time: 2026-02-31 is not a date (2026-02 has 28 days)"},
        {{"switchsim", "--start-time", "2016-12-31T23:59:60Z"},
         3,
         "--start-time: second 60 (a leap second) has no Unix time; use :59 or the next minute, "
         "got \"2016-12-31T23:59:60Z\""},
        {{"switchsim", "--start-time", "1969-12-31T23:59:59Z"},
         3,
         "--start-time: 1969-12-31T23:59:59Z is before 1970-01-01"},
        {{"switchsim", "--log.format", "text"},
         3,
         "--log.format: expected logfmt or json, got \"text\""},
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

/* A parse that stops early (a non-option moved aside, inside a cluster of short flags)
 * leaves nothing the next parse depends on. fuzz_cli found the next parse reading freed
 * memory of an earlier argv through getopt's state (fixed by resetting it with optind = 0);
 * that needed a particular earlier input, which this test does not reproduce: it checks
 * the behaviour, fuzz-replay keeps the inputs. */
static void test_cli_parses_are_independent(void **state)
{
    (void)state;
    struct options o;
    struct errbuf err;
    char *first[] = {strdup("switchsim"), strdup("!"), strdup("-Zp5"), NULL};
    assert_int_equal(cli_parse(3, first, &o, &err), -1);
    assert_string_equal(err.msg, "unknown flag -Z");
    for (int i = 0; first[i]; i++)
        free(first[i]);
    char a0[] = "switchsim", a1[] = "--seed", a2[] = "3";
    char *second[] = {a0, a1, a2, NULL};
    assert_int_equal(cli_parse(3, second, &o, &err), 0);
    assert_int_equal(o.seed, 3);
}

static void test_cli_listen_address_round_trips(void **state)
{
    (void)state;
    static const char *const forms[] = {":19116",  "127.0.0.1:9000", "[::]:19116",
                                        "[::1]:0", "localhost:80",   "[fe80::1%lo]:8080"};
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        char host[256];
        uint16_t port = 0;
        struct errbuf err;
        assert_int_equal(cli_parse_listen_address(forms[i], host, sizeof(host), &port, &err), 0);
        char back[CLI_ADDRESS_BYTES];
        cli_format_listen_address(host, port, back, sizeof(back));
        assert_string_equal(back, forms[i]);
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
    /* the last day of every month, and leap years: 2024 yes, 2100 no, 2000 yes */
    assert_int_equal(cli_parse_time_ms("2024-02-29T00:00:00Z", &ms, NULL), 0);
    assert_int_equal(ms, 1709164800000LL); /* date -u -d 2024-02-29 +%s */
    assert_int_equal(cli_parse_time_ms("2000-02-29T12:00:00Z", &ms, NULL), 0);
    assert_int_equal(cli_parse_time_ms("2026-12-31T23:59:59.999Z", &ms, NULL), 0);
    assert_int_equal(ms, 1798761599999LL);
    assert_int_equal(cli_parse_time_ms("2026-04-30T00:00:00Z", &ms, NULL), 0);
    static const char *const impossible[] = {
        "2026-02-31T00:00:00Z", "2026-02-29T00:00:00Z", "2100-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-06-31T00:00:00Z", "2026-09-31T00:00:00Z",
        "2026-11-31T00:00:00Z", "2026-01-32T00:00:00Z", "2026-01-00T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof(impossible) / sizeof(impossible[0]); i++)
        if (cli_parse_time_ms(impossible[i], &ms, NULL) != -1)
            fail_msg("%s was accepted", impossible[i]);
    assert_int_equal(cli_parse_time_ms("2026-11-22T08:00:00+01:00", &ms, NULL), -1);
}

static void test_cli_validate_rejects_a_future_start(void **state)
{
    (void)state;
    const char *argv[] = {"switchsim", "--start-time", "2026-11-22T08:00:00Z", "--check-config"};
    struct options o;
    struct errbuf err;
    assert_int_equal(parse(&o, &err, 4, argv), 0);
    int64_t start_ms = 1795334400000LL;
    assert_int_equal(cli_validate(&o, start_ms, &err), 0); /* now is allowed */
    assert_int_equal(cli_validate(&o, start_ms + 1, &err), 0);
    assert_int_equal(cli_validate(&o, start_ms - 1500, &err), -1);
    assert_string_equal(err.msg, "--start-time is in the future (1.500 s ahead of now); samples "
                                 "must not be timestamped ahead of the clock");
    const char *no_start[] = {"switchsim"};
    assert_int_equal(parse(&o, &err, 1, no_start), 0);
    assert_int_equal(cli_validate(&o, 0, &err), 0);
}

/* ---- the flag table against its users ----------------------------------------------------- */

#define README_PATH PROFILES_DIR "/../README.md"

struct readme_flag {
    char name[64]; /* "--port" or "-p" */
    char arg[32];  /* "N", or "" */
    int seen;
};

/* Every `-x`/`--name ARG` code span in the first column of README's "## Flags" table. */
static size_t readme_flags(struct readme_flag *out, size_t max)
{
    size_t len = 0;
    char *text = testutil_read_file(README_PATH, &len);
    if (!text)
        fail_msg("cannot read %s", README_PATH);
    char *section = strstr(text, "\n## Flags\n");
    if (!section)
        fail_msg("%s has no \"## Flags\" section", README_PATH);
    size_t n = 0;
    int in_table = 0;
    for (char *line = strchr(section + 1, '\n') + 1; line && *line;) {
        char *eol = strchr(line, '\n');
        if (eol)
            *eol = '\0';
        if (line[0] == '|') {
            in_table = 1;
            char *cell_end = strchr(line + 1, '|');
            assert_non_null(cell_end);
            *cell_end = '\0';
            for (char *tick = strchr(line, '`'); tick; tick = strchr(tick + 1, '`')) {
                char *close = strchr(tick + 1, '`');
                assert_non_null(close);
                *close = '\0';
                if (tick[1] == '-') {
                    assert_true(n < max);
                    char *space = strchr(tick + 1, ' ');
                    if (space)
                        *space = '\0';
                    snprintf(out[n].name, sizeof(out[n].name), "%s", tick + 1);
                    snprintf(out[n].arg, sizeof(out[n].arg), "%s", space ? space + 1 : "");
                    out[n].seen = 0;
                    n++;
                }
                tick = close;
            }
        } else if (in_table) {
            break; /* the table ended */
        }
        line = eol ? eol + 1 : NULL;
    }
    free(text);
    return n;
}

static struct readme_flag *find_readme_flag(struct readme_flag *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, name) == 0)
            return &list[i];
    return NULL;
}

static void test_cli_readme_lists_exactly_the_flags(void **state)
{
    (void)state;
    struct readme_flag doc[64];
    size_t n_doc = readme_flags(doc, 64);
    size_t n_flags = 0;
    const struct cli_flag *flags = cli_flags(&n_flags);
    assert_true(n_flags > 0);
    for (size_t i = 0; i < n_flags; i++) {
        char name[64];
        snprintf(name, sizeof(name), "--%s", flags[i].name);
        struct readme_flag *d = find_readme_flag(doc, n_doc, name);
        if (!d) {
            fail_msg("README.md's flag table lacks %s", name);
            return;
        }
        d->seen++;
        /* the argument is named as in the usage (the README may omit it on an alias) */
        if (strcmp(d->arg, flags[i].arg ? flags[i].arg : "") != 0)
            fail_msg("README.md: %s %s, usage says %s %s", name, d->arg, name,
                     flags[i].arg ? flags[i].arg : "(no argument)");
        if (flags[i].short_name) {
            snprintf(name, sizeof(name), "-%c", flags[i].short_name);
            d = find_readme_flag(doc, n_doc, name);
            if (!d) {
                fail_msg("README.md's flag table lacks %s", name);
                return;
            }
            d->seen++;
        }
    }
    for (size_t i = 0; i < n_doc; i++)
        if (doc[i].seen != 1)
            fail_msg("README.md's flag table lists %s %s", doc[i].name,
                     doc[i].seen ? "more than once" : "but switchsim has no such flag");
}

static void test_cli_usage_lists_every_flag_within_80_columns(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    cli_usage(fp);
    fclose(fp);
    size_t n_flags = 0;
    const struct cli_flag *flags = cli_flags(&n_flags);
    for (size_t i = 0; i < n_flags; i++) {
        char lead[96];
        if (flags[i].short_name)
            snprintf(lead, sizeof(lead), "\n  -%c, --%s%s%s", flags[i].short_name, flags[i].name,
                     flags[i].arg ? " " : "", flags[i].arg ? flags[i].arg : "");
        else
            snprintf(lead, sizeof(lead), "\n  --%s%s%s", flags[i].name, flags[i].arg ? " " : "",
                     flags[i].arg ? flags[i].arg : "");
        if (!strstr(text, lead))
            fail_msg("usage lacks \"%s\":\n%s", lead + 1, text);
    }
    for (const char *line = text; *line;) {
        size_t width = strcspn(line, "\n");
        if (width > 80)
            fail_msg("usage line wider than 80 columns: %.*s", (int)width, line);
        line += width + (line[width] == '\n');
    }
    assert_non_null(strstr(text, "(default: :19116)"));
    free(text);
}

static void test_cli_every_short_flag_means_its_long_flag(void **state)
{
    (void)state;
    struct options a, b;
    struct errbuf err;
    const char *short_argv[] = {"switchsim", "-p", "7", "-h"};
    const char *long_argv[] = {"switchsim", "--port", "7", "--help"};
    assert_int_equal(parse(&a, &err, 4, short_argv), 0);
    assert_int_equal(parse(&b, &err, 4, long_argv), 0);
    assert_int_equal(a.listen_port, 7);
    assert_true(a.show_help);
    assert_int_equal(memcmp(&a, &b, sizeof(a)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_defaults),
        cmocka_unit_test(test_cli_every_flag),
        cmocka_unit_test(test_cli_port_flag_overrides_listen_port),
        cmocka_unit_test(test_cli_parses_are_independent),
        cmocka_unit_test(test_cli_bad_flags),
        cmocka_unit_test(test_cli_listen_address_round_trips),
        cmocka_unit_test(test_cli_start_time_forms),
        cmocka_unit_test(test_cli_validate_rejects_a_future_start),
        cmocka_unit_test(test_cli_readme_lists_exactly_the_flags),
        cmocka_unit_test(test_cli_usage_lists_every_flag_within_80_columns),
        cmocka_unit_test(test_cli_every_short_flag_means_its_long_flag),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
