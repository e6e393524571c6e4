/* test_docs.c - docs/METRICS.md's family table is the catalog's, row for row.
 *
 * The table between the catalog markers is generated here from metrics/catalog.c; a
 * difference fails the test and prints the table to paste (UPDATE_DOCS=1 rewrites it). */
#include "testutil.h"

#include "base/strbuf.h"
#include "metrics/catalog.h"

#define BEGIN_MARK \
    "<!-- catalog:begin (generated from src/metrics/catalog.c by tests/test_docs.c) -->\n"
#define END_MARK "<!-- catalog:end -->\n"

static const char *labels_of(const struct metric_def *row)
{
    int info = row->family.type == METRIC_INFO;
    switch (row->scope) {
    case SCOPE_DEVICE:
        return info ? "`device`, `vendor`, `model`, the profile's `labels`" : "`device`";
    case SCOPE_PORT:
        if (row->quantity == Q_PORT_NEIGHBOR_INFO)
            return "`device`, `port`, `neighbor_device`, `neighbor_port`";
        return info ? "`device`, `port`, `speed`, `type`, `description`" : "`device`, `port`";
    case SCOPE_SELF:
        if (row->quantity == Q_SELF_SHARD_INFO)
            return "`shard`, `shards`";
        return info ? "`version`, `revision`" : "";
    }
    return "";
}

static void catalog_table(struct strbuf *sb)
{
    static const char *const scopes[] = {"device", "port", "switchsim"};
    static const char *const types[] = {"gauge", "counter", "info", "stateset"};
    strbuf_puts(sb, BEGIN_MARK);
    strbuf_puts(sb,
                "| family | per | type | unit | labels | meaning |\n|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < catalog_n_rows; i++) {
        const struct metric_def *row = &catalog_rows[i];
        strbuf_appendf(sb, "| `%s` | %s | %s | %s | %s | %s |\n", row->family.name,
                       scopes[row->scope], types[row->family.type], row->family.unit,
                       labels_of(row), row->family.help);
    }
    strbuf_puts(sb, END_MARK);
}

static void test_docs_metrics_table_is_the_catalog(void **state)
{
    (void)state;
    const char *path = TEST_DATA_DIR "/../docs/METRICS.md";
    char *doc = testutil_read_file(path, NULL);
    assert_non_null(doc);
    struct strbuf want;
    strbuf_init(&want, 4096, 1 << 20);
    catalog_table(&want);
    char *begin = strstr(doc, BEGIN_MARK);
    char *end = begin ? strstr(begin, END_MARK) : NULL;
    if (!begin || !end)
        fail_msg("%s: no catalog markers; add:\n%s", path, want.data);
    end += strlen(END_MARK);
    size_t have_len = (size_t)(end - begin);
    int same = have_len == want.len && memcmp(begin, want.data, want.len) == 0;
    if (!same && getenv("UPDATE_DOCS")) {
        FILE *fp = fopen(path, "wb");
        assert_non_null(fp);
        fwrite(doc, 1, (size_t)(begin - doc), fp);
        fputs(want.data, fp);
        fputs(end, fp);
        fclose(fp);
        same = 1;
    }
    if (!same)
        fail_msg("%s's family table differs from the catalog; run UPDATE_DOCS=1 %s or paste:\n%s",
                 path, "build/test_docs", want.data);
    strbuf_cleanup(&want);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_docs_metrics_table_is_the_catalog),
    };
    return cmocka_run_group_tests_name("docs", tests, NULL, NULL);
}
