/* test_shard.c - --shard I/N: the documented hash, parsing, and that the shards of a fleet
 * partition it and move few devices when N grows. */
#include "testutil.h"

#include "stack.h"

#include "base/xalloc.h"
#include "model/shard.h"

/* A fleet of n devices named gen-%05zu (names only: shard selection reads nothing else). */
struct names_fleet {
    struct fleet fleet;
    char (*names)[16];
};

static void names_fleet_init(struct names_fleet *nf, size_t n)
{
    memset(nf, 0, sizeof(*nf));
    nf->names = xcalloc(n, sizeof(*nf->names));
    nf->fleet.devices = xcalloc(n, sizeof(struct device));
    nf->fleet.n_devices = n;
    for (size_t d = 0; d < n; d++) {
        snprintf(nf->names[d], sizeof(nf->names[d]), "gen-%05zu", d);
        nf->fleet.devices[d].name = nf->names[d];
    }
}

static void names_fleet_free(struct names_fleet *nf)
{
    free(nf->names);
    free(nf->fleet.devices);
}

static void test_shard_hash_is_the_documented_one(void **state)
{
    (void)state;
    /* Computed from the formula in shard.h by an independent Python implementation. */
    assert_true(shard_weight("leaf-01", 0) == 0x91d6976e095d805cULL);
    assert_true(shard_weight("leaf-01", 6) == 0x065726123124cd4fULL);
    const uint32_t want[] = {1, 4, 4, 2, 3, 6, 0, 3};
    for (int i = 0; i < 8; i++) {
        char name[16];
        snprintf(name, sizeof(name), "spine-%02d", i + 1);
        assert_int_equal(shard_of(name, 7), want[i]);
    }
    assert_int_equal(shard_of("anything", 1), 0);
}

static void test_shard_parse(void **state)
{
    (void)state;
    struct shard_spec s;
    struct errbuf err;
    assert_int_equal(shard_parse("0/1", &s, &err), 0);
    assert_int_equal(s.index, 0);
    assert_int_equal(s.count, 1);
    assert_int_equal(shard_parse("6/7", &s, &err), 0);
    assert_int_equal(s.index, 6);
    assert_int_equal(s.count, 7);
    assert_int_equal(shard_parse("1023/1024", &s, &err), 0);
    const char *bad[] = {"0/0",  "3/2",    "2/2",  "junk",         "", "1", "1/", "/2", "-1/2",
                         "1/2x", "0/1025", "1/ 2", "99999999999/3"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err.msg[0] = '\0';
        if (shard_parse(bad[i], &s, &err) != -1)
            fail_msg("\"%s\" was accepted", bad[i]);
        assert_non_null(strstr(err.msg, "--shard"));
    }
}

/* Every device in exactly one of n shards, and the shards about equal. */
static void check_partition(const struct fleet *f, uint32_t n)
{
    unsigned *owners = xcalloc(f->n_devices ? f->n_devices : 1, sizeof(*owners));
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t served = 0;
        unsigned char *sel = shard_select(f, (struct shard_spec){i, n}, &served);
        size_t counted = 0;
        for (size_t d = 0; d < f->n_devices; d++) {
            owners[d] += sel[d];
            counted += sel[d];
            if (sel[d])
                assert_int_equal(shard_of(f->devices[d].name, n), i);
        }
        assert_int_equal(counted, served);
        total += served;
        free(sel);
    }
    for (size_t d = 0; d < f->n_devices; d++)
        if (owners[d] != 1)
            fail_msg("n=%u: device %s is in %u shards", n, f->devices[d].name, owners[d]);
    assert_int_equal(total, f->n_devices);
    free(owners);
}

static void test_shard_partitions_the_default_profile(void **state)
{
    (void)state;
    const char *paths[] = {PROFILES_DIR "/default.yaml"};
    struct fleet *fleet = NULL;
    struct errbuf err;
    if (profile_load(paths, 1, &stack_budget, &fleet, &err) != 0)
        fail_msg("%s", err.msg);
    assert_true(fleet->n_devices > 1);
    const uint32_t ns[] = {1, 2, 3, 7};
    for (size_t k = 0; k < 4; k++)
        check_partition(fleet, ns[k]);
    fleet_free(fleet);
}

static void test_shard_partitions_a_1000_device_fleet_evenly(void **state)
{
    (void)state;
    struct names_fleet nf;
    names_fleet_init(&nf, 1000);
    const uint32_t ns[] = {1, 2, 3, 7};
    for (size_t k = 0; k < 4; k++) {
        uint32_t n = ns[k];
        check_partition(&nf.fleet, n);
        /* Balance: each shard within 5 binomial standard deviations of 1000/n (the hash is
         * fixed, so this is a property of it, checked once, not a flaky statistic). */
        double p = 1.0 / n, sd = sqrt(1000 * p * (1 - p));
        for (uint32_t i = 0; i < n; i++) {
            size_t served = 0;
            free(shard_select(&nf.fleet, (struct shard_spec){i, n}, &served));
            assert_double_near((double)served, 1000 * p, 5 * sd + 0.5);
        }
    }
    names_fleet_free(&nf);
}

/* Going from n to n + 1 shards moves a device only to the new shard, and about 1/(n+1). */
static void test_shard_growing_moves_about_one_in_n_plus_one(void **state)
{
    (void)state;
    struct names_fleet nf;
    names_fleet_init(&nf, 1000);
    for (uint32_t n = 1; n <= 8; n++) {
        size_t moved = 0;
        for (size_t d = 0; d < 1000; d++) {
            uint32_t before = shard_of(nf.names[d], n), after = shard_of(nf.names[d], n + 1);
            if (before != after) {
                assert_int_equal(after, n);
                moved++;
            }
        }
        double p = 1.0 / (n + 1), sd = sqrt(1000 * p * (1 - p));
        assert_double_near((double)moved, 1000 * p, 5 * sd);
    }
    names_fleet_free(&nf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shard_hash_is_the_documented_one),
        cmocka_unit_test(test_shard_parse),
        cmocka_unit_test(test_shard_partitions_the_default_profile),
        cmocka_unit_test(test_shard_partitions_a_1000_device_fleet_evenly),
        cmocka_unit_test(test_shard_growing_moves_about_one_in_n_plus_one),
    };
    return cmocka_run_group_tests_name("shard", tests, NULL, NULL);
}
