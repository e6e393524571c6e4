/* test_base.c - the small building blocks: strbuf, strset, errbuf, log levels, the
 * collector registry and gzip. */
#include "testutil.h"

#include <time.h>

#include "base/errbuf.h"
#include "base/log.h"
#include "base/procstat.h"
#include "base/strbuf.h"
#include "metrics/registry.h"
#include "model/model.h"
#include "serve/compress.h"

static void test_base_strbuf_grows_and_caps(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, 4, 1000);
    for (int i = 0; i < 100; i++)
        strbuf_appendf(&sb, "%03d", i);
    assert_int_equal(sb.len, 300);
    assert_int_equal(strncmp(sb.data, "000001002", 9), 0);
    assert_string_equal(sb.data + 297, "099");
    assert_false(sb.overflow);
    assert_true(sb.cap <= 1001); /* never allocates past the cap */
    char big[800];
    memset(big, 'x', sizeof(big));
    strbuf_append(&sb, big, sizeof(big)); /* 300 + 800 > 1000: dropped whole */
    assert_true(sb.overflow);
    assert_int_equal(sb.len, 300);
    strbuf_puts(&sb, "y"); /* sticky: later appends are dropped too */
    assert_int_equal(sb.len, 300);
    strbuf_reset(&sb);
    assert_false(sb.overflow);
    assert_int_equal(sb.len, 0);
    size_t len = 0;
    char *data = strbuf_release(&sb, &len);
    assert_int_equal(len, 0);
    assert_null(sb.data);
    /* adopt takes the buffer over and starts empty */
    strbuf_adopt(&sb, data, 1001, 1000);
    strbuf_puts(&sb, "again");
    assert_string_equal(sb.data, "again");
    strbuf_cleanup(&sb);
}

static void test_base_strset(void **state)
{
    (void)state;
    struct strset set;
    strset_init(&set);
    char names[500][16];
    for (int i = 0; i < 500; i++) { /* forces several rehashes */
        snprintf(names[i], sizeof(names[i]), "port%d", i);
        assert_int_equal(strset_add(&set, names[i]), 1);
    }
    for (int i = 0; i < 500; i++) {
        assert_true(strset_contains(&set, names[i]));
        assert_int_equal(strset_add(&set, names[i]), 0);
    }
    assert_false(strset_contains(&set, "port500"));
    assert_int_equal(set.count, 500);
    strset_cleanup(&set);
}

static void test_base_errbuf_truncates_and_returns_minus_one(void **state)
{
    (void)state;
    struct errbuf err;
    char long_text[2000];
    memset(long_text, 'a', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    assert_int_equal(errbuf_set(&err, "x: %s", long_text), -1);
    assert_int_equal(strlen(err.msg), ERRBUF_MSG_BYTES - 1);
    assert_int_equal(errbuf_set(NULL, "ignored %d", 1), -1);
}

static void test_base_log_levels(void **state)
{
    (void)state;
    enum log_level level = LOG_LEVEL_ERROR;
    assert_int_equal(log_level_parse("debug", &level), 0);
    assert_int_equal(level, LOG_LEVEL_DEBUG);
    assert_int_equal(log_level_parse("warn", &level), 0);
    assert_int_equal(level, LOG_LEVEL_WARN);
    assert_int_equal(log_level_parse("WARN", &level), -1);
    assert_int_equal(log_level_parse("verbose", &level), -1);
    log_set_level(LOG_LEVEL_WARN);
    assert_true(log_enabled(LOG_LEVEL_ERROR));
    assert_true(log_enabled(LOG_LEVEL_WARN));
    assert_false(log_enabled(LOG_LEVEL_INFO));
    log_set_level(LOG_LEVEL_INFO);
    /* every name the help text offers parses */
    const char *choices[] = {"debug", "info", "warn", "error"};
    for (size_t i = 0; i < 4; i++) {
        assert_non_null(strstr(LOG_LEVEL_CHOICES, choices[i]));
        assert_int_equal(log_level_parse(choices[i], &level), 0);
    }
    enum log_format format = LOG_FORMAT_LOGFMT;
    assert_int_equal(log_format_parse("json", &format), 0);
    assert_int_equal(format, LOG_FORMAT_JSON);
    assert_int_equal(log_format_parse("logfmt", &format), 0);
    assert_int_equal(format, LOG_FORMAT_LOGFMT);
    assert_int_equal(log_format_parse("JSON", &format), -1);
    assert_int_equal(log_format_parse("text", &format), -1);
}

/* 2026-11-22T08:00:00.123Z */
#define LOG_TEST_TS_MS 1795334400123LL

/* One formatted line; the caller frees it. */
static char *log_line(enum log_format format, enum log_level level, const char *msg,
                      const struct log_field *fields)
{
    struct strbuf sb;
    strbuf_init(&sb, 64, 1 << 20);
    log_format_line(&sb, format, level, LOG_TEST_TS_MS, msg, fields);
    assert_false(sb.overflow);
    size_t len = 0;
    return strbuf_release(&sb, &len);
}

/* A logfmt reader written from the format's description (go-logfmt): returns the value of
 * key in line (malloc'd, unescaped), or NULL. Only the ASCII \u escapes the logger makes. */
static char *logfmt_get(const char *line, const char *key)
{
    const char *p = line;
    while (*p && *p != '\n') {
        while (*p == ' ')
            p++;
        const char *k = p;
        while (*p && *p != '=' && *p != ' ' && *p != '\n')
            p++;
        size_t klen = (size_t)(p - k);
        if (*p != '=')
            fail_msg("logfmt: key without value at \"%s\"", k);
        p++;
        char *value = malloc(strlen(p) + 1);
        size_t n = 0;
        if (*p == '"') {
            for (p++; *p != '"'; p++) {
                if (*p == '\0' || *p == '\n')
                    fail_msg("logfmt: unterminated quoted value in \"%s\"", line);
                if (*p != '\\') {
                    value[n++] = *p;
                    continue;
                }
                p++;
                switch (*p) {
                case 'n':
                    value[n++] = '\n';
                    break;
                case 'r':
                    value[n++] = '\r';
                    break;
                case 't':
                    value[n++] = '\t';
                    break;
                case 'u': {
                    unsigned cp = 0;
                    assert_int_equal(sscanf(p + 1, "%4x", &cp), 1);
                    assert_true(cp < 0x80);
                    value[n++] = (char)cp;
                    p += 4;
                    break;
                }
                default:
                    value[n++] = *p;
                }
            }
            p++;
        } else {
            while (*p && *p != ' ' && *p != '\n')
                value[n++] = *p++;
        }
        value[n] = '\0';
        if (klen == strlen(key) && strncmp(k, key, klen) == 0)
            return value;
        free(value);
    }
    return NULL;
}

static void test_base_log_forged_path_stays_one_line(void **state)
{
    (void)state;
    /* what MHD hands us for GET /x%22%0Ats=...%20level=error%20msg=%22forged */
    const char *path = "/x\"\nts=2026-11-22T08:00:00.000Z level=error msg=\"forged";
    const struct log_field fields[] = {LOG_STR("method", "GET"), LOG_STR("path", path), LOG_END};
    char *line = log_line(LOG_FORMAT_LOGFMT, LOG_LEVEL_DEBUG, "request", fields);
    assert_string_equal(line, "ts=2026-11-22T08:00:00.123Z level=debug msg=request method=GET "
                              "path=\"/x\\\"\\nts=2026-11-22T08:00:00.000Z level=error "
                              "msg=\\\"forged\"\n");
    assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1); /* exactly one line */
    char *back = logfmt_get(line, "path");
    assert_non_null(back);
    assert_string_equal(back, path);
    free(back);
    char *level = logfmt_get(line, "level");
    assert_string_equal(level, "debug");
    free(level);
    free(line);
}

static void test_base_log_logfmt_quotes_only_when_needed(void **state)
{
    (void)state;
    const struct log_field fields[] = {
        LOG_STR("address", "[::]:19116"),
        LOG_STR("empty", ""),
        LOG_STR("null", NULL),
        LOG_STR("eq", "a=b"),
        LOG_STR("err", "C:\\dir\ttab\r\x01\x7f"),
        LOG_STR("bad_utf8", "a\xff\xc3"),
        LOG_STR("city", "Z\xc3\xbcrich \xe2\x9c\x93"),
        LOG_STR("Bad key=\"x\"", "v"),
        LOG_U64("bytes", UINT64_MAX),
        LOG_I64("delta", -5),
        LOG_F64("seconds", 0.00225666000005731),
        LOG_F64("ratio", NAN),
        LOG_BOOL("timestamps", 7),
        LOG_END,
    };
    char *line = log_line(LOG_FORMAT_LOGFMT, LOG_LEVEL_INFO, "Listening on", fields);
    assert_string_equal(line,
                        "ts=2026-11-22T08:00:00.123Z level=info msg=\"Listening on\" "
                        "address=[::]:19116 empty=\"\" null=\"\" eq=\"a=b\" "
                        "err=\"C:\\\\dir\\ttab\\r\\u0001\\u007f\" bad_utf8=\"a\\ufffd\\ufffd\" "
                        "city=\"Z\xc3\xbcrich \xe2\x9c\x93\" Bad_key__x_=v "
                        "bytes=18446744073709551615 delta=-5 seconds=0.00225666 ratio=NaN "
                        "timestamps=true\n");
    free(line);
}

static void test_base_log_json_one_object_per_line(void **state)
{
    (void)state;
    const struct log_field fields[] = {
        LOG_STR("path", "/x\"\nforged"),
        LOG_STR("err", "C:\\dir\x01\x7f\xff"),
        LOG_STR("city", "Z\xc3\xbcrich"),
        LOG_U64("bytes", 42),
        LOG_I64("delta", -5),
        LOG_F64("seconds", 0.25),
        LOG_F64("inf", INFINITY),
        LOG_BOOL("timestamps", 0),
        LOG_END,
    };
    char *line = log_line(LOG_FORMAT_JSON, LOG_LEVEL_ERROR, "render \"failed\"", fields);
    assert_string_equal(line,
                        "{\"ts\":\"2026-11-22T08:00:00.123Z\",\"level\":\"error\","
                        "\"msg\":\"render \\\"failed\\\"\",\"path\":\"/x\\\"\\nforged\","
                        "\"err\":\"C:\\\\dir\\u0001\\u007f\\ufffd\",\"city\":\"Z\xc3\xbcrich\","
                        "\"bytes\":42,\"delta\":-5,\"seconds\":0.25,\"inf\":\"+Inf\","
                        "\"timestamps\":false}\n");
    free(line);
}

static void test_base_log_long_value_cut_on_utf8_boundary_and_marked(void **state)
{
    (void)state;
    /* "é" is two bytes; an odd cap would split one */
    size_t n = LOG_VALUE_MAX_BYTES + 100;
    char *big = malloc(n + 2);
    big[0] = 'x';
    for (size_t i = 1; i + 1 < n + 1; i += 2) {
        big[i] = '\xc3';
        big[i + 1] = '\xa9';
    }
    big[n + 1] = '\0';
    const struct log_field fields[] = {LOG_STR("description", big), LOG_END};
    char *line = log_line(LOG_FORMAT_LOGFMT, LOG_LEVEL_INFO, "m", fields);
    assert_null(strstr(line, "\\ufffd")); /* no split character */
    size_t len = strlen(line);
    const char *tail = " log_truncated=true\n";
    assert_true(len > strlen(tail));
    assert_string_equal(line + len - strlen(tail), tail);
    char *value = logfmt_get(line, "description");
    assert_non_null(value);
    assert_int_equal(strlen(value), LOG_VALUE_MAX_BYTES - 1); /* x + whole "é"s */
    assert_int_equal(strncmp(value, big, strlen(value)), 0);
    free(value);
    free(line);
    free(big);
}

static int collector_a(struct expo *w, const struct scrape_ctx *ctx, void *user)
{
    (void)ctx;
    (*(int *)user)++;
    static const struct expo_family a = {"a", "A.", "", METRIC_GAUGE, NULL, 0};
    const struct expo_labels none = {"", 0};
    return expo_begin_family(w, &a) < 0 ? -1 : expo_sample_u64(w, &none, 7);
}

static int collector_fails(struct expo *w, const struct scrape_ctx *ctx, void *user)
{
    (void)w;
    (void)ctx;
    (void)user;
    return -1;
}

static void test_base_registry_runs_in_order_and_reports(void **state)
{
    (void)state;
    struct registry reg;
    registry_init(&reg);
    int calls = 0;
    for (int i = 0; i < REGISTRY_MAX_COLLECTORS; i++)
        assert_int_equal(registry_add(&reg, "a", collector_a, &calls), 0);
    assert_int_equal(registry_add(&reg, "one too many", collector_a, &calls), -1);
    registry_init(&reg);
    registry_add(&reg, "a", collector_a, &calls);
    registry_add(&reg, "broken", collector_fails, NULL);
    struct strbuf sb;
    strbuf_init(&sb, 64, 4096);
    struct expo w;
    expo_init(&w, &sb, EXPO_TEXT_004, 5, 1);
    struct scrape_ctx ctx = {0};
    struct errbuf err;
    assert_int_equal(registry_collect(&reg, &w, &ctx, &err), -1);
    assert_string_equal(err.msg, "collector broken: failed");
    assert_int_equal(calls, 1);
    assert_string_equal(sb.data, "# HELP a A.\n# TYPE a gauge\na 7 5\n");
    strbuf_cleanup(&sb);
}

static void test_base_gzip_round_trip_and_corrupt_input(void **state)
{
    (void)state;
    const char text[] = "switch_port_link_up{device=\"a\",port=\"b\"} 1 1795305600000\n";
    char *gz = NULL, *out = NULL;
    size_t gz_len = 0, out_len = 0;
    struct errbuf err;
    assert_int_equal(compress_gzip(text, sizeof(text) - 1, &gz, &gz_len, &err), 0);
    assert_memory_equal(gz, "\x1f\x8b\x08", 3); /* gzip, deflate */
    assert_int_equal(compress_gunzip(gz, gz_len, 1024, &out, &out_len, &err), 0);
    assert_int_equal(out_len, sizeof(text) - 1);
    assert_memory_equal(out, text, out_len);
    free(out);
    gz[gz_len / 2] ^= 0x55; /* corrupt */
    assert_int_equal(compress_gunzip(gz, gz_len, 1024, &out, &out_len, &err), -1);
    assert_int_equal(strncmp(err.msg, "gunzip: invalid or too large gzip data", 38), 0);
    free(gz);
    /* empty input is a valid (tiny) gzip member */
    assert_int_equal(compress_gzip("", 0, &gz, &gz_len, &err), 0);
    assert_int_equal(compress_gunzip(gz, gz_len, 16, &out, &out_len, &err), 0);
    assert_int_equal(out_len, 0);
    free(gz);
    free(out);
}

/* The process_* values describe this very process. */
static void test_base_procstat_reads_this_process(void **state)
{
    (void)state;
    struct procstat ps;
    assert_int_equal(procstat_read(&ps), 0);
    assert_true(ps.resident_bytes > 100 * 1024);
    assert_true(ps.virtual_bytes >= ps.resident_bytes);
    assert_true(ps.open_fds >= 3); /* stdin, stdout, stderr */
    assert_true(ps.max_fds >= ps.open_fds);
    assert_true(ps.cpu_seconds >= 0.0);
    double now = (double)time(NULL);
    assert_true(ps.start_time_seconds <= now + 1 && ps.start_time_seconds > now - 3600);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_strbuf_grows_and_caps),
        cmocka_unit_test(test_base_strset),
        cmocka_unit_test(test_base_errbuf_truncates_and_returns_minus_one),
        cmocka_unit_test(test_base_log_levels),
        cmocka_unit_test(test_base_log_forged_path_stays_one_line),
        cmocka_unit_test(test_base_log_logfmt_quotes_only_when_needed),
        cmocka_unit_test(test_base_log_json_one_object_per_line),
        cmocka_unit_test(test_base_log_long_value_cut_on_utf8_boundary_and_marked),
        cmocka_unit_test(test_base_registry_runs_in_order_and_reports),
        cmocka_unit_test(test_base_procstat_reads_this_process),
        cmocka_unit_test(test_base_gzip_round_trip_and_corrupt_input),
    };
    return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
