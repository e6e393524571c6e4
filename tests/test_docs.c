/* test_docs.c - generated tables in docs/ are their sources', row for row:
 * docs/METRICS.md's family table is the catalog's (metrics/catalog.c), docs/INCIDENTS.md's
 * fault kinds and incidents are model/fault.c's.
 *
 * The table between a block's markers is generated here; a difference fails the test and
 * prints the table to paste (UPDATE_DOCS=1 rewrites it). */
#include "testutil.h"

#include "base/strbuf.h"
#include "metrics/catalog.h"
#include "model/fault.h"

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
        if (row->dim == DIM_FAULTS)
            return "`id`, `kind`, `target`, `source`";
        if (row->dim == DIM_REQUESTS)
            return "`handler`, `code`";
        if (row->dim == DIM_FORMAT)
            return "`format`";
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

/* The block of `path` between begin_mark and end_mark (included) must be `want`. */
static void check_generated(const char *path, const char *begin_mark, const char *end_mark,
                            const struct strbuf *want)
{
    char *doc = testutil_read_file(path, NULL);
    assert_non_null(doc);
    char *begin = strstr(doc, begin_mark);
    char *end = begin ? strstr(begin, end_mark) : NULL;
    if (!begin || !end)
        fail_msg("%s: no markers %s; add:\n%s", path, begin_mark, want->data);
    end += strlen(end_mark);
    size_t have_len = (size_t)(end - begin);
    int same = have_len == want->len && memcmp(begin, want->data, want->len) == 0;
    if (!same && getenv("UPDATE_DOCS")) {
        FILE *fp = fopen(path, "wb");
        assert_non_null(fp);
        fwrite(doc, 1, (size_t)(begin - doc), fp);
        fputs(want->data, fp);
        fputs(end, fp);
        fclose(fp);
        same = 1;
    }
    if (!same)
        fail_msg("%s's generated table differs; run UPDATE_DOCS=1 %s or paste:\n%s", path,
                 "build/test_docs", want->data);
    free(doc);
}

static void test_docs_metrics_table_is_the_catalog(void **state)
{
    (void)state;
    struct strbuf want;
    strbuf_init(&want, 4096, 1 << 20);
    catalog_table(&want);
    check_generated(TEST_DATA_DIR "/../docs/METRICS.md", BEGIN_MARK, END_MARK, &want);
    strbuf_cleanup(&want);
}

#define KINDS_BEGIN "<!-- kinds:begin (generated from src/model/fault.c by tests/test_docs.c) -->\n"
#define KINDS_END   "<!-- kinds:end -->\n"

static void test_docs_incidents_tables_are_the_kinds(void **state)
{
    (void)state;
    struct strbuf want;
    strbuf_init(&want, 4096, 1 << 20);
    strbuf_puts(&want, KINDS_BEGIN);
    strbuf_puts(&want, "| kind | target | what it does | parameters |\n|---|---|---|---|\n");
    for (int k = 0; k < FAULT_KIND_COUNT; k++) {
        const struct fault_kind_info *info = &fault_kinds[k];
        strbuf_appendf(&want, "| `%s` | `%s` | %s | ", info->name,
                       info->target == FAULT_ON_DEVICE ? "DEVICE" : "DEVICE:PORT", info->summary);
        if (!info->n_params)
            strbuf_puts(&want, "none");
        for (size_t i = 0; i < info->n_params; i++) {
            const struct fault_param_info *p = &info->params[i];
            double scale = strcmp(p->unit, "s") == 0 ? 1000.0 : 1.0;
            strbuf_appendf(&want, "%s`%s`: %g%s to %g%s, default %g%s", i ? "; " : "", p->name,
                           p->min / scale, p->unit, p->max / scale, p->unit, p->def / scale,
                           p->unit);
        }
        strbuf_puts(&want, " |\n");
    }
    strbuf_puts(&want, "\n| incident | target | what happens |\n|---|---|---|\n");
    for (size_t i = 0; i < INCIDENT_COUNT; i++)
        strbuf_appendf(&want, "| `%s` | `%s` | %s |\n", incidents[i].name,
                       incidents[i].target == FAULT_ON_DEVICE ? "DEVICE" : "DEVICE:PORT",
                       incidents[i].summary);
    strbuf_puts(&want, KINDS_END);
    check_generated(TEST_DATA_DIR "/../docs/INCIDENTS.md", KINDS_BEGIN, KINDS_END, &want);
    strbuf_cleanup(&want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_docs_metrics_table_is_the_catalog),
        cmocka_unit_test(test_docs_incidents_tables_are_the_kinds),
    };
    return cmocka_run_group_tests_name("docs", tests, NULL, NULL);
}
