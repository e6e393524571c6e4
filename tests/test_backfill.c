/* test_backfill.c - backfill's argument checks and tick arithmetic, and history_write's
 * output: series-major, time-ordered, families once, equal to a live exporter's scrapes. */
#include "testutil.h"

#include "stack.h"

#include "app/backfill.h"
#include "app/cli.h"
#include "serve/history.h"

#define START_MS 1795305600000LL             /* 2026-11-22T00:00:00Z */
#define T0       ((uint64_t)START_MS / 1000) /* its tick: ticks count from the epoch */

static int parse(struct options *o, struct errbuf *err, int argc, const char **argv)
{
    return cli_parse(argc, (char **)argv, o, err);
}

static void test_backfill_subcommand_flags(void **state)
{
    (void)state;
    struct options o;
    struct errbuf err;
    const char *ok[] = {"switchsim", "backfill", "--from", "-2h", "--to",   "now",
                        "--step",    "15s",      "-o",     "-",   "--seed", "3"};
    assert_int_equal(parse(&o, &err, 12, ok), 0);
    assert_true(o.backfill);
    assert_string_equal(o.from, "-2h");
    assert_string_equal(o.to, "now");
    assert_int_equal(o.step_ms, 15000);
    assert_string_equal(o.output, "-");
    assert_int_equal(o.seed, 3);

    const char *no_output[] = {"switchsim", "backfill", "--from", "-2h", "--to", "now"};
    assert_int_equal(parse(&o, &err, 6, no_output), -1);
    assert_string_equal(err.msg, "backfill needs --from, --to and -o");
    const char *not_backfill[] = {"switchsim", "--from", "-2h"};
    assert_int_equal(parse(&o, &err, 3, not_backfill), -1);
    assert_non_null(strstr(err.msg, "for the backfill subcommand"));
    const char *zero_step[] = {"switchsim", "backfill", "--step", "0s"};
    assert_int_equal(parse(&o, &err, 4, zero_step), -1);
    assert_non_null(strstr(err.msg, "--step: expected a positive duration"));
    /* "backfill" is a subcommand only in first place */
    const char *late[] = {"switchsim", "--seed", "3", "backfill"};
    assert_int_equal(parse(&o, &err, 4, late), -1);
}

static void test_backfill_when_forms(void **state)
{
    (void)state;
    struct errbuf err;
    int64_t ms = 0, now = START_MS + 123;
    assert_int_equal(cli_parse_when_ms("--from", "now", now, &ms, &err), 0);
    assert_int_equal(ms, now);
    assert_int_equal(cli_parse_when_ms("--from", "-2h", now, &ms, &err), 0);
    assert_int_equal(ms, now - 7200000);
    assert_int_equal(cli_parse_when_ms("--from", "2026-11-22T00:00:00Z", now, &ms, &err), 0);
    assert_int_equal(ms, START_MS);
    assert_int_equal(cli_parse_when_ms("--to", "1795305600", now, &ms, &err), 0);
    assert_int_equal(ms, START_MS);
    assert_int_equal(cli_parse_when_ms("--to", "yesterday", now, &ms, &err), -1);
    assert_non_null(strstr(err.msg, "--to: expected"));
    assert_int_equal(cli_parse_when_ms("--to", "-2x", now, &ms, &err), -1);
    assert_int_equal(cli_parse_when_ms("--to", "-100000d", now, &ms, &err), -1);
}

static void test_backfill_ticks(void **state)
{
    (void)state;
    struct errbuf err;
    uint64_t first = 0, last = 0, step = 0;
    /* from rounds up to a tick, to down to the last step from first */
    assert_int_equal(backfill_ticks(START_MS + 1500, START_MS + 10000, 0, START_MS, 1000, &first,
                                    &last, &step, &err),
                     0);
    assert_int_equal(first, 2);
    assert_int_equal(last, 10);
    assert_int_equal(step, 1);
    assert_int_equal(backfill_ticks(START_MS + 1500, START_MS + 10999, 3000, START_MS, 1000, &first,
                                    &last, &step, &err),
                     0);
    assert_int_equal(first, 2);
    assert_int_equal(last, 8);
    assert_int_equal(step, 3);
    assert_int_equal(
        backfill_ticks(START_MS, START_MS, 0, START_MS, 1000, &first, &last, &step, &err), 0);
    assert_int_equal(first, 0);
    assert_int_equal(last, 0);

    assert_int_equal(
        backfill_ticks(START_MS, START_MS + 9000, 1500, START_MS, 1000, &first, &last, &step, &err),
        -1);
    assert_non_null(strstr(err.msg, "not a multiple of the profile's tick (1000ms)"));
    assert_int_equal(
        backfill_ticks(START_MS + 2, START_MS + 1, 0, START_MS, 1000, &first, &last, &step, &err),
        -1);
    assert_string_equal(err.msg, "--from is after --to");
    assert_int_equal(
        backfill_ticks(START_MS - 1, START_MS + 1, 0, START_MS, 1000, &first, &last, &step, &err),
        -1);
    assert_non_null(strstr(err.msg, "before the simulation's tick 0"));
    assert_int_equal(backfill_ticks(START_MS + 100, START_MS + 900, 0, START_MS, 1000, &first,
                                    &last, &step, &err),
                     -1);
    assert_string_equal(err.msg, "no tick between --from and --to");
}

/* The series part of a sample line (name and labels), or NULL for a metadata line. */
static size_t series_len(const char *line, size_t len)
{
    if (line[0] == '#')
        return 0;
    const char *sp = line + len;
    int spaces = 0;
    while (sp > line && spaces < 2)
        if (*--sp == ' ')
            spaces++;
    return (size_t)(sp - line);
}

static void test_history_is_series_major_and_equals_live(void **state)
{
    (void)state;
    /* the backfilled world */
    const char *paths[] = {FIXTURE("fixtures/profiles/ok/small.yaml")};
    struct errbuf err;
    struct fleet *fleet = NULL;
    assert_int_equal(profile_load(paths, 1, &stack_budget, &fleet, &err), 0);
    struct world_params params = {7, START_MS, {"9.9.9", "abc"}, {0, 1}};
    struct world *w = world_new_at(fleet, &params, T0);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    struct history_range range = {T0 + 1, T0 + 7, 3, catalog_all(), NULL}; /* T0 + 1, 4, 7 */
    uint64_t samples = 0;
    assert_int_equal(history_write(w, &range, out, NULL, NULL, &samples, &err), 0);
    fclose(out);
    world_release(w);
    assert_true(len > 6 && strcmp(text + len - 6, "# EOF\n") == 0);
    assert_ptr_equal(strstr(text, "# EOF"), text + len - 6); /* once, at the end */

    /* every metadata line once; each series' three samples adjacent, in time order */
    char stamps[3][32];
    for (int i = 0; i < 3; i++)
        snprintf(stamps[i], sizeof(stamps[i]), " %lld\n", (long long)(START_MS / 1000 + 1 + 3 * i));
    size_t n_lines = 0, n_series = 0;
    for (const char *p = text; p < text + len - 6;) {
        const char *nl = strchr(p, '\n');
        size_t l = (size_t)(nl - p) + 1;
        size_t s = series_len(p, l);
        if (s == 0) {
            char meta[256];
            snprintf(meta, sizeof(meta), "%.*s", (int)(l < 200 ? l : 200), p);
            assert_ptr_equal(strstr(text, meta), p); /* first occurrence is this one */
            p += l;
            continue;
        }
        for (int i = 0; i < 3; i++) {
            nl = strchr(p, '\n');
            l = (size_t)(nl - p) + 1;
            assert_int_equal(series_len(p, l), s);
            assert_int_equal(memcmp(nl + 1 - strlen(stamps[i]), stamps[i], strlen(stamps[i])), 0);
            p += l;
            n_lines++;
        }
        n_series++;
    }
    assert_int_equal(samples, n_lines);
    assert_int_equal(n_lines, 3 * n_series);

    /* each sample line equals the live exporter's OpenMetrics scrape at that tick */
    struct stack st;
    stack_init(&st, paths[0], 0, 7, START_MS);
    size_t matched = 0;
    for (int i = 0; i < 3; i++) {
        struct body *b = stack_scrape(&st, START_MS + (1 + 3 * i) * 1000, EXPO_OPENMETRICS_100,
                                      BODY_IDENTITY, &err);
        for (const char *p = b->data; p < b->data + b->len;) {
            const char *nl = memchr(p, '\n', (size_t)(b->data + b->len - p));
            size_t l = (size_t)(nl - p) + 1;
            int self = strncmp(p, "process_", 8) == 0 || strncmp(p, "switchsim_", 10) == 0;
            if (p[0] != '#' && !self) {
                char line[1024];
                assert_true(l < sizeof(line));
                memcpy(line, p, l);
                line[l] = '\0';
                if (!strstr(text, line))
                    fail_msg("live line not backfilled: %s", line);
                matched++;
            }
            p += l;
        }
        body_release(b);
    }
    stack_cleanup(&st);
    assert_int_equal(matched, n_lines);
    assert_null(strstr(text, "\nprocess_"));
    assert_null(strstr(text, "\nswitchsim_"));
    free(text);
}

static void test_history_adds_labels_to_every_series(void **state)
{
    (void)state;
    const char *paths[] = {FIXTURE("fixtures/profiles/ok/small.yaml")};
    struct errbuf err;
    struct fleet *fleet = NULL;
    assert_int_equal(profile_load(paths, 1, &stack_budget, &fleet, &err), 0);
    struct world_params params = {7, START_MS, {"9.9.9", "abc"}, {0, 1}};
    struct world *w = world_new_at(fleet, &params, T0);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    struct history_range range = {T0, T0, 1, catalog_all(), "job=\"sw\",instance=\"h:1\""};
    assert_int_equal(history_write(w, &range, out, NULL, NULL, NULL, &err), 0);
    fclose(out);
    world_release(w);
    size_t n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *labels = strstr(line, ",job=\"sw\",instance=\"h:1\"} ");
        if (!labels)
            labels = strstr(line, "{job=\"sw\",instance=\"h:1\"} ");
        if (!labels)
            fail_msg("labels not added: %s", line);
        n++;
    }
    assert_true(n > 10);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backfill_subcommand_flags),
        cmocka_unit_test(test_backfill_when_forms),
        cmocka_unit_test(test_backfill_ticks),
        cmocka_unit_test(test_history_is_series_major_and_equals_live),
        cmocka_unit_test(test_history_adds_labels_to_every_series),
    };
    return cmocka_run_group_tests_name("backfill", tests, NULL, NULL);
}
