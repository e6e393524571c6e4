/* test_remote_write.c - the prompb encoding of serve/remote_write, decoded back by protobuf-c
 * code generated from tests/proto/prompb.proto (an implementation independent of the
 * hand-written encoder), and the option checks. */
#include "testutil.h"

#include <time.h>

#include "stack.h"

#include <prompb.pb-c.h>

#include "base/strbuf.h"
#include "serve/remote_write.h"

static Prometheus__WriteRequest *decode(const struct strbuf *pb)
{
    Prometheus__WriteRequest *wr =
        prometheus__write_request__unpack(NULL, pb->len, (const uint8_t *)pb->data);
    if (!wr)
        fail_msg("protobuf-c cannot decode the %zu bytes written", pb->len);
    return wr;
}

/* Encodes all of text in one request; returns the decoded request. */
static Prometheus__WriteRequest *encode_all(const char *text, int64_t ts, size_t *n)
{
    struct strbuf pb;
    strbuf_init(&pb, 64, 1 << 24);
    struct errbuf err;
    const char *p = text;
    if (remote_write_encode(&p, text + strlen(text), ts, 1000, &pb, n, &err) != 0)
        fail_msg("%s", err.msg);
    assert_ptr_equal(p, text + strlen(text));
    Prometheus__WriteRequest *wr = decode(&pb);
    strbuf_cleanup(&pb);
    return wr;
}

static void assert_label(const Prometheus__TimeSeries *ts, size_t i, const char *name,
                         const char *value)
{
    assert_true(i < ts->n_labels);
    assert_string_equal(ts->labels[i]->name, name);
    assert_string_equal(ts->labels[i]->value, value);
}

static void test_encode_labels_values_timestamps(void **state)
{
    (void)state;
    const char *text =
        "# HELP x_total Help.\n"
        "# TYPE x_total counter\n"
        "x_total{zeta=\"z\",device=\"leaf1\",alpha=\"a \\\"q\\\" \\\\ \\n\"} 42 1700000000.123\n"
        "plain 1.5\n"
        "nan_gauge{a=\"\"} NaN 0.005\n"
        "inf_gauge +Inf -0.007\n"
        "minf_gauge -Inf 9.1\n"
        "big_total 18446744073709551615 10\n"
        "# EOF\n";
    size_t n = 0;
    Prometheus__WriteRequest *wr = encode_all(text, 999, &n);
    assert_int_equal(n, 6);
    assert_int_equal(wr->n_timeseries, 6);

    const Prometheus__TimeSeries *t = wr->timeseries[0];
    assert_int_equal(t->n_labels, 4); /* sorted by name, __name__ first */
    assert_label(t, 0, "__name__", "x_total");
    assert_label(t, 1, "alpha", "a \"q\" \\ \n");
    assert_label(t, 2, "device", "leaf1");
    assert_label(t, 3, "zeta", "z");
    assert_int_equal(t->n_samples, 1);
    assert_true(t->samples[0]->value == 42.0);
    assert_int_equal(t->samples[0]->timestamp, 1700000000123LL);

    t = wr->timeseries[1];
    assert_int_equal(t->n_labels, 1);
    assert_label(t, 0, "__name__", "plain");
    assert_true(t->samples[0]->value == 1.5);
    assert_int_equal(t->samples[0]->timestamp, 999); /* no timestamp: the default */

    t = wr->timeseries[2];
    assert_int_equal(t->n_labels, 1); /* an empty value is no label */
    assert_true(isnan(t->samples[0]->value));
    assert_int_equal(t->samples[0]->timestamp, 5);
    t = wr->timeseries[3];
    assert_true(isinf(t->samples[0]->value) && t->samples[0]->value > 0);
    assert_int_equal(t->samples[0]->timestamp, -7); /* a negative varint round-trips */
    t = wr->timeseries[4];
    assert_true(isinf(t->samples[0]->value) && t->samples[0]->value < 0);
    assert_int_equal(t->samples[0]->timestamp, 9100);
    t = wr->timeseries[5];
    assert_true(t->samples[0]->value == 18446744073709551615.0);
    assert_int_equal(t->samples[0]->timestamp, 10000);
    prometheus__write_request__free_unpacked(wr, NULL);
}

static void test_encode_splits_at_max_samples(void **state)
{
    (void)state;
    const char *text = "# TYPE a gauge\na 1 1\nb 2 2\n# TYPE c gauge\nc 3 3\n# EOF\n";
    const char *end = text + strlen(text), *p = text;
    struct errbuf err;
    size_t sizes[4] = {0};
    for (int i = 0; i < 3; i++) {
        struct strbuf pb;
        strbuf_init(&pb, 64, 4096);
        assert_int_equal(remote_write_encode(&p, end, 0, 2, &pb, &sizes[i], &err), 0);
        if (sizes[i]) {
            Prometheus__WriteRequest *wr = decode(&pb);
            assert_int_equal(wr->n_timeseries, sizes[i]);
            assert_string_equal(wr->timeseries[0]->labels[0]->value, i == 0 ? "a" : "c");
            prometheus__write_request__free_unpacked(wr, NULL);
        }
        strbuf_cleanup(&pb);
    }
    assert_int_equal(sizes[0], 2);
    assert_int_equal(sizes[1], 1);
    assert_int_equal(sizes[2], 0);
    assert_ptr_equal(p, end);
}

static void test_encode_rejects_bad_lines(void **state)
{
    (void)state;
    static const char *const bad[] = {"novalue\n",      "x{a=\"b\" 1\n", "x{a=b} 1\n",
                                      "x 1 notatime\n", "x one\n",       "x{a=\"\\q\"} 1\n",
                                      "x 1 1.2345\n",   "x 1 1.\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct strbuf pb;
        strbuf_init(&pb, 64, 4096);
        struct errbuf err = {{0}};
        size_t n;
        const char *p = bad[i];
        if (remote_write_encode(&p, bad[i] + strlen(bad[i]), 0, 10, &pb, &n, &err) != -1)
            fail_msg("accepted %s", bad[i]);
        assert_non_null(strstr(err.msg, "remote write: "));
        strbuf_cleanup(&pb);
    }
    /* more labels than REMOTE_WRITE_MAX_LABELS */
    struct strbuf line;
    strbuf_init(&line, 64, 1 << 16);
    strbuf_puts(&line, "x{");
    for (int i = 0; i < REMOTE_WRITE_MAX_LABELS; i++)
        strbuf_appendf(&line, "%sl%d=\"v\"", i ? "," : "", i);
    strbuf_puts(&line, "} 1\n");
    struct strbuf pb;
    strbuf_init(&pb, 64, 4096);
    struct errbuf err;
    size_t n;
    const char *p = line.data;
    assert_int_equal(remote_write_encode(&p, line.data + line.len, 0, 10, &pb, &n, &err), -1);
    assert_non_null(strstr(err.msg, "too many labels"));
    strbuf_cleanup(&pb);
    strbuf_cleanup(&line);
}

/* A real render of the default profile: every sample line becomes one series with the line's
 * name, labels, value and timestamp, in order. Under valgrind (minutes for the default
 * profile) the small e2e fabric, split into requests of 100 samples instead of 1,000. */
static void test_encode_a_real_render(void **state)
{
    (void)state;
    struct stack st;
    const int64_t start = 1763800000000LL;
    const int small = getenv("SWITCHSIM_VALGRIND") != NULL;
    const size_t per_request = small ? 100 : 1000;
    stack_init(&st, small ? TEST_DATA_DIR "/e2e/e2e.yaml" : PROFILES_DIR "/default.yaml", 0, 7,
               start);
    struct errbuf err;
    struct body *b = stack_scrape(&st, start + 30000, EXPO_OPENMETRICS_100, BODY_IDENTITY, &err);
    const char *p = b->data, *end = b->data + b->len;
    size_t lines = 0;
    for (const char *q = p; q < end; q = strchr(q, '\n') + 1) /* # EOF included */
        lines += *q != '#';
    size_t checked = 0;
    const char *line = p;
    while (p < end) {
        struct strbuf pb;
        strbuf_init(&pb, 1 << 16, (size_t)1 << 30);
        size_t n;
        assert_int_equal(remote_write_encode(&p, end, 0, per_request, &pb, &n, &err), 0);
        Prometheus__WriteRequest *wr = decode(&pb);
        assert_int_equal(wr->n_timeseries, n);
        for (size_t i = 0; i < n; i++, checked++) {
            while (*line == '#')
                line = strchr(line, '\n') + 1;
            const char *eol = strchr(line, '\n');
            const Prometheus__TimeSeries *t = wr->timeseries[i];
            assert_string_equal(t->labels[0]->name, "__name__");
            size_t name_len = strlen(t->labels[0]->value);
            assert_memory_equal(line, t->labels[0]->value, name_len);
            for (size_t l = 1; l < t->n_labels; l++) {
                struct strbuf want;
                strbuf_init(&want, 64, 4096);
                strbuf_appendf(&want, "%s=\"", t->labels[l]->name);
                expo_escape_label_value(&want, t->labels[l]->value);
                strbuf_putc(&want, '"');
                const char *found = strstr(line, want.data);
                if (!found || found > eol)
                    fail_msg("series %zu: %s not in %.*s", checked, want.data, (int)(eol - line),
                             line);
                strbuf_cleanup(&want);
            }
            /* As doubles: remote write carries float64, as a scrape's parser does (a counter
             * past 2^53 is the nearest double in both). */
            const char *ts_space = eol;
            while (*--ts_space != ' ') {
            }
            const char *v_space = ts_space;
            while (*--v_space != ' ') {
            }
            double want_v = strtod(v_space + 1, NULL);
            double got_v = t->samples[0]->value;
            if (!(want_v == got_v || (isnan(want_v) && isnan(got_v))))
                fail_msg("series %zu: encoded %.17g, line %.*s", checked, got_v, (int)(eol - line),
                         line);
            assert_int_equal(t->samples[0]->timestamp, llround(strtod(ts_space + 1, NULL) * 1000));
            assert_int_equal(t->samples[0]->timestamp, b->timestamp_ms);
            line = eol + 1;
        }
        prometheus__write_request__free_unpacked(wr, NULL);
        strbuf_cleanup(&pb);
    }
    assert_int_equal(checked, lines);
    assert_true(checked > per_request); /* several requests */
    body_release(b);
    stack_cleanup(&st);
}

static void test_check_options(void **state)
{
    (void)state;
    struct errbuf err;
    struct remote_write_options o = {
        .url = "http://127.0.0.1:9/api/v1/write", .queue_samples = 1000000, .timeout_ms = 1000};
    assert_int_equal(remote_write_check(&o, &err), 0);
    struct remote_write_options bad = o;
    bad.url = "ftp://x";
    assert_int_equal(remote_write_check(&bad, &err), -1);
    assert_non_null(strstr(err.msg, "http://"));
    bad = o;
    bad.headers[0] = "Content-Type: text/plain";
    bad.n_headers = 1;
    assert_int_equal(remote_write_check(&bad, &err), -1);
    assert_non_null(strstr(err.msg, "set by switchsim"));
    bad.headers[0] = "NoColon";
    assert_int_equal(remote_write_check(&bad, &err), -1);
    bad.headers[0] = "X-Scope-OrgID: t1";
    assert_int_equal(remote_write_check(&bad, &err), 0);
    bad = o;
    bad.user = "u";
    assert_int_equal(remote_write_check(&bad, &err), -1);
    assert_non_null(strstr(err.msg, "go together"));
    bad.password_file = "/nonexistent/pw";
    assert_int_equal(remote_write_check(&bad, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/pw"));
    bad.password_file = FIXTURE("test_remote_write.c"); /* readable, but too long */
    assert_int_equal(remote_write_check(&bad, &err), -1);
    bad = o;
    bad.queue_samples = REMOTE_WRITE_MAX_SAMPLES_PER_SEND - 1;
    assert_int_equal(remote_write_check(&bad, &err), -1);
    assert_non_null(strstr(err.msg, "queue-samples"));
}

/* The threads against a port nobody listens on (connection refused): the first tick is queued
 * and retried, new ticks queue behind it, and at stop whatever is still queued or in flight
 * is counted as dropped: sent + failed + dropped + pending accounts for every sample. */
static void test_writer_retries_and_counts_at_stop(void **state)
{
    (void)state;
    struct stack st;
    int64_t now = exporter_now_ms();
    stack_init(&st, TEST_DATA_DIR "/e2e/e2e.yaml", 0, 3, now);
    struct remote_write_options o = {
        .url = "http://127.0.0.1:1/api/v1/write", .queue_samples = 1000000, .timeout_ms = 1000};
    struct errbuf err;
    struct remote_writer *w = remote_write_start(st.exporter, &o, &err);
    if (!w)
        fail_msg("%s", err.msg);
    /* Wait (bounded) until a request failed to connect and was tried again. */
    struct body *b = NULL;
    for (int i = 0; i < 400; i++) {
        struct timespec ms10 = {0, 10 * 1000 * 1000};
        nanosleep(&ms10, NULL);
        b = stack_scrape(&st, exporter_now_ms(), EXPO_TEXT_004, BODY_IDENTITY, &err);
        int retried = strstr(b->data, "\nswitchsim_remote_write_samples_retried_total 0 ") == NULL;
        if (retried)
            break;
        body_release(b);
        b = NULL;
    }
    if (!b) {
        fail_msg("no retry within 4 s");
    } else {
        assert_non_null(strstr(b->data, "\nswitchsim_remote_write_samples_sent_total 0 "));
        assert_non_null(strstr(b->data, "\nswitchsim_remote_write_samples_failed_total 0 "));
        assert_null(strstr(b->data, "\nswitchsim_remote_write_samples_pending 0 "));
        body_release(b);
    }
    remote_write_stop(w);
    /* Unregistered at stop: the families are gone (a fresh render, not this tick's cache). */
    struct scrape_request req = {EXPO_TEXT_004, BODY_IDENTITY, NULL,
                                 catalog_scope_rows(SCOPE_SELF)};
    b = NULL;
    assert_int_equal(exporter_scrape(st.exporter, exporter_now_ms(), &req, &b, &err), SCRAPE_OK);
    assert_non_null(strstr(b->data, "switchsim_build_info"));
    assert_null(strstr(b->data, "switchsim_remote_write_"));
    body_release(b);
    stack_cleanup(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_labels_values_timestamps),
        cmocka_unit_test(test_encode_splits_at_max_samples),
        cmocka_unit_test(test_encode_rejects_bad_lines),
        cmocka_unit_test(test_encode_a_real_render),
        cmocka_unit_test(test_check_options),
        cmocka_unit_test(test_writer_retries_and_counts_at_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
