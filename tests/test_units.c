/* test_units.c - parsing of speeds, sizes, durations and ratios. */
#include "testutil.h"

#include "base/units.h"

static void test_units_speed(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        uint64_t bps;
    } ok[] = {{"25G", 25000000000ULL},      {"100Gbps", 100000000000ULL},
              {"400Gb/s", 400000000000ULL}, {"2.5G", 2500000000ULL},
              {"10M", 10000000ULL},         {"1000", 1000ULL},
              {"1.6T", 1600000000000ULL},   {"100 Mbps", 100000000ULL}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint64_t v = 0;
        struct errbuf err;
        if (units_parse_speed_bps(ok[i].in, &v, &err) != 0)
            fail_msg("%s: %s", ok[i].in, err.msg);
        assert_int_equal(v, ok[i].bps);
    }
    static const char *const bad[] = {"fast", "", "25g", "25GB", "-1G", "0x10G", "1.5", "G", "inf"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t v = 7;
        struct errbuf err;
        assert_int_equal(units_parse_speed_bps(bad[i], &v, &err), -1);
        assert_int_equal(v, 7); /* out-parameter untouched on failure */
    }
}

static void test_units_size(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(units_parse_size_bytes("12MiB", &v, NULL), 0);
    assert_int_equal(v, 12ULL * 1024 * 1024);
    assert_int_equal(units_parse_size_bytes("512KiB", &v, NULL), 0);
    assert_int_equal(v, 512ULL * 1024);
    assert_int_equal(units_parse_size_bytes("32MB", &v, NULL), 0);
    assert_int_equal(v, 32000000ULL);
    assert_int_equal(units_parse_size_bytes("9216B", &v, NULL), 0);
    assert_int_equal(v, 9216);
    assert_int_equal(units_parse_size_bytes("4096", &v, NULL), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(units_parse_size_bytes("1.5KiB", &v, NULL), 0);
    assert_int_equal(v, 1536);
    struct errbuf err;
    assert_int_equal(units_parse_size_bytes("12 megs", &v, &err), -1);
    assert_string_equal(err.msg, "expected a size such as 12MiB, 512KiB or 9216B, got \"12 megs\"");
    assert_int_equal(units_parse_size_bytes("0.5B", &v, NULL), -1); /* no fractional bytes */
    assert_int_equal(units_parse_size_bytes("12M", &v, NULL), -1);  /* ambiguous: MB or MiB? */
}

static void test_units_duration(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        uint64_t ms;
    } ok[] = {{"500ms", 500},   {"30s", 30000},    {"5m", 300000},     {"2h", 7200000},
              {"1d", 86400000}, {"1w", 604800000}, {"1h30m", 5400000}, {"0", 0},
              {"1m30s", 90000}, {"1s500ms", 1500}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint64_t v = 0;
        struct errbuf err;
        if (units_parse_duration_ms(ok[i].in, &v, &err) != 0)
            fail_msg("%s: %s", ok[i].in, err.msg);
        assert_int_equal(v, ok[i].ms);
    }
    static const char *const bad[] = {"5 minutes", "", "30", "1.5h", "30m1h", "1s1s", "-5s", "5x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t v = 0;
        if (units_parse_duration_ms(bad[i], &v, NULL) != -1)
            fail_msg("\"%s\" was accepted as %llu ms", bad[i], (unsigned long long)v);
    }
}

static void test_units_ratio_and_numbers(void **state)
{
    (void)state;
    double v = 0;
    assert_int_equal(units_parse_ratio("0.35", &v, NULL), 0);
    assert_double_near(v, 0.35, 1e-15);
    assert_int_equal(units_parse_ratio("35%", &v, NULL), 0);
    assert_double_near(v, 0.35, 1e-15);
    assert_int_equal(units_parse_ratio("1e-9", &v, NULL), 0);
    assert_double_near(v, 1e-9, 1e-24);
    assert_int_equal(units_parse_ratio("35 %", &v, NULL), -1);
    assert_int_equal(units_parse_double("nan", &v, NULL), -1);
    assert_int_equal(units_parse_double("inf", &v, NULL), -1);
    assert_int_equal(units_parse_double("0x10", &v, NULL), -1);
    assert_int_equal(units_parse_double("1e999", &v, NULL), -1);
    assert_int_equal(units_parse_double("-2.5", &v, NULL), 0);
    assert_double_near(v, -2.5, 0);
    uint64_t u = 0;
    assert_int_equal(units_parse_u64("18446744073709551615", &u, NULL), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(units_parse_u64("18446744073709551616", &u, NULL), -1);
    assert_int_equal(units_parse_u64("+1", &u, NULL), -1);
    assert_int_equal(units_parse_u64("1 ", &u, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units_speed),
        cmocka_unit_test(test_units_size),
        cmocka_unit_test(test_units_duration),
        cmocka_unit_test(test_units_ratio_and_numbers),
    };
    return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
