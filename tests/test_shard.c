/* test_shard.c - --shard I/N: the documented hash, parsing, and that the shards of a fleet
 * partition it and move few devices when N grows. */
#include "testutil.h"

#include "stack.h"

#include "base/xalloc.h"
#include "model/shard.h"

/* A fleet of n devices named gen-%05zu (names only: shard selection reads nothing else). */
struct names_fleet {
    struct fleet fleet;
    char (*names)[32];
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
        char name[32];
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

/* The exporter of a small wired fabric (the e2e profile: 4 devices, links across shards),
 * serving `shard`, positioned at START_MS. Small so that the 13 exporters this file builds
 * stay quick under valgrind. */
#define START_MS 1795334400000LL
static struct exporter *shard_exporter(struct shard_spec shard)
{
    const char *paths[] = {TEST_DATA_DIR "/e2e/e2e.yaml"};
    struct fleet *fleet = NULL;
    struct errbuf err;
    if (profile_load(paths, 1, &stack_budget, &fleet, &err) != 0)
        fail_msg("%s", err.msg);
    struct world_params params = {7, START_MS, {"9.9.9", "abc"}, shard};
    struct exporter_options opts = {1, catalog_all(), START_MS};
    return exporter_new(world_new_at(fleet, &params, (uint64_t)START_MS / fleet->tick_ms), &opts);
}

static struct body *scrape_at(struct exporter *e, int64_t now_ms, const char *device)
{
    exporter_advance(e, now_ms);
    struct scrape_request req = {EXPO_TEXT_004, BODY_IDENTITY, device, 0};
    struct body *b = NULL;
    struct errbuf err;
    if (exporter_scrape(e, now_ms, &req, &b, &err) != SCRAPE_OK || !b)
        fail_msg("scrape failed: %s", err.msg);
    return b;
}

/* The device="..." of a sample line, copied into out ("" if none). */
static void device_of(const char *line, size_t len, char *out, size_t out_bytes)
{
    out[0] = '\0';
    const char *end = line + len;
    for (const char *p = line; p + 8 < end; p++)
        if (memcmp(p, "device=\"", 8) == 0) {
            const char *q = memchr(p + 8, '"', (size_t)(end - p - 8));
            size_t n = q ? (size_t)(q - p - 8) : 0;
            if (n < out_bytes) {
                memcpy(out, p + 8, n);
                out[n] = '\0';
            }
            return;
        }
}

/* The switch_ sample lines of a body (the devices' own families) whose device is in shard
 * `i` of n (n 0: every one), joined by newlines, in order. */
static char *device_lines(const struct body *b, uint32_t i, uint32_t n, size_t *count)
{
    char *out = xcalloc(b->len + 1, 1);
    size_t at = 0;
    *count = 0;
    for (size_t pos = 0; pos < b->len;) {
        const char *line = b->data + pos;
        const char *nl = memchr(line, '\n', b->len - pos);
        size_t len = nl ? (size_t)(nl - line) : b->len - pos;
        pos += len + 1;
        if (strncmp(line, "switch_", 7) != 0)
            continue;
        char dev[256];
        device_of(line, len, dev, sizeof(dev));
        assert_true(dev[0] != '\0');
        if (n && shard_of(dev, n) != i)
            continue;
        memcpy(out + at, line, len);
        at += len;
        out[at++] = '\n';
        (*count)++;
    }
    return out;
}

/* A sharded render holds exactly the unsharded render's lines of its devices, same tick. */
static void test_shard_render_equals_unsharded_for_its_devices(void **state)
{
    (void)state;
    struct exporter *all = shard_exporter((struct shard_spec){0, 1});
    int64_t now_ms = START_MS + 5 * 60 * 1000 + 1;
    struct body *whole = scrape_at(all, now_ms, NULL);
    const uint32_t ns[] = {2, 3, 7};
    for (size_t k = 0; k < 3; k++) {
        size_t total = 0;
        for (uint32_t i = 0; i < ns[k]; i++) {
            struct exporter *one = shard_exporter((struct shard_spec){i, ns[k]});
            struct body *part = scrape_at(one, now_ms, NULL);
            assert_true(part->tick == whole->tick);
            size_t n_want = 0, n_got = 0;
            char *want = device_lines(whole, i, ns[k], &n_want);
            char *got = device_lines(part, 0, 0, &n_got);
            assert_string_equal(got, want);
            assert_int_equal(n_got, n_want);
            total += n_got;
            char info[96]; /* the self-metric naming the shard */
            snprintf(info, sizeof(info), "\nswitchsim_shard_info{shard=\"%u\",shards=\"%u\"} 1 ",
                     (unsigned)i, (unsigned)ns[k]);
            assert_non_null(strstr(part->data, info));
            /* /probe of another shard's device: 404 with the reason. */
            struct world *w = exporter_world(one);
            for (size_t d = 0; d < w->fleet->n_devices; d++)
                if (!world_serves(w, d)) {
                    struct scrape_request req = {EXPO_TEXT_004, BODY_IDENTITY,
                                                 w->fleet->devices[d].name, 0};
                    struct body *b = NULL;
                    struct errbuf err;
                    assert_int_equal(exporter_scrape(one, now_ms, &req, &b, &err),
                                     SCRAPE_UNKNOWN_DEVICE);
                    assert_non_null(strstr(err.msg, "is not in shard"));
                }
            world_release(w);
            free(want);
            free(got);
            body_release(part);
            exporter_free(one);
        }
        size_t n_whole = 0;
        free(device_lines(whole, 0, 0, &n_whole));
        assert_int_equal(total, n_whole);
    }
    body_release(whole);
    exporter_free(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shard_hash_is_the_documented_one),
        cmocka_unit_test(test_shard_parse),
        cmocka_unit_test(test_shard_partitions_the_default_profile),
        cmocka_unit_test(test_shard_partitions_a_1000_device_fleet_evenly),
        cmocka_unit_test(test_shard_growing_moves_about_one_in_n_plus_one),
        cmocka_unit_test(test_shard_render_equals_unsharded_for_its_devices),
    };
    return cmocka_run_group_tests_name("shard", tests, NULL, NULL);
}
