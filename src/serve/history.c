/* history.c - ticks rendered by the world's collectors, written series-major (history.h). */
#include "serve/history.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/xalloc.h"
#include "metrics/catalog.h"
#include "serve/exporter.h"

static const char eof_line[] = "# EOF\n";

/* Renders the world at `tick` into sb (reset first), without the final "# EOF". */
static int render_tick(struct world *w, uint64_t families, uint64_t tick, struct strbuf *sb,
                       struct errbuf *err)
{
    sim_advance_to(w->sim, tick);
    strbuf_reset(sb);
    struct expo x;
    expo_init(&x, sb, EXPO_OPENMETRICS_100, sim_time_ms(w->sim), 1);
    struct scrape_ctx ctx = {
        .sim = w->sim, .sel = {families, 0, w->fleet->n_devices}, .self = {0}, .requests = NULL};
    if (registry_collect(&w->reg, &x, &ctx, err) < 0)
        return -1;
    size_t n = sizeof(eof_line) - 1;
    if (sb->len < n || memcmp(sb->data + sb->len - n, eof_line, n) != 0)
        return errbuf_set(err, "tick %llu: the exposition does not end with # EOF",
                          (unsigned long long)tick);
    sb->len -= n;
    return 0;
}

static size_t line_len(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
}

/* Writes n rendered ticks series-major: each line of the first tick's body in turn; a
 * metadata line once, a sample line followed by the same line of every later tick. */
/* Writes one sample line with `labels` (may be "") added to its label set. */
static int write_sample(const char *line, size_t len, const char *labels, FILE *out)
{
    size_t extra = strlen(labels);
    if (extra == 0)
        return fwrite(line, 1, len, out) == len ? 0 : -1;
    const char *brace = memchr(line, '{', len);
    const char *space = memchr(line, ' ', len);
    if (brace && brace < space) { /* name{a="b"} v t: before the closing brace */
        /* the label set ends at the line's last '}' (values and timestamps have none) */
        const char *close = line + len - 1;
        while (*close != '}')
            close--;
        size_t head = (size_t)(close - line);
        int empty = close == brace + 1;
        return fwrite(line, 1, head, out) == head && (empty || fputc(',', out) != EOF) &&
                       fwrite(labels, 1, extra, out) == extra &&
                       fwrite(close, 1, len - head, out) == len - head
                   ? 0
                   : -1;
    }
    size_t head = (size_t)(space - line);
    return fwrite(line, 1, head, out) == head && fputc('{', out) != EOF &&
                   fwrite(labels, 1, extra, out) == extra && fputc('}', out) != EOF &&
                   fwrite(space, 1, len - head, out) == len - head
               ? 0
               : -1;
}

static int write_chunk(struct strbuf *bodies, size_t n, const char *labels, FILE *out,
                       uint64_t *samples, struct errbuf *err)
{
    const char **cur = xcalloc(n, sizeof(*cur));
    int rc = 0;
    for (size_t t = 0; t < n; t++)
        cur[t] = bodies[t].data;
    const char *end0 = bodies[0].data + bodies[0].len;
    while (cur[0] < end0 && rc == 0) {
        int meta = cur[0][0] == '#';
        for (size_t t = 0; t < n; t++) {
            const char *end = bodies[t].data + bodies[t].len;
            if (cur[t] >= end || (cur[t][0] == '#') != meta) {
                rc = errbuf_set(err, "the ticks of one chunk render different series");
                break;
            }
            size_t len = line_len(cur[t], end);
            if (((meta && t == 0 && fwrite(cur[t], 1, len, out) != len) ||
                 (!meta && write_sample(cur[t], len, labels, out) < 0))) {
                rc = errbuf_set(err, "write: %s", strerror(errno));
                break;
            }
            cur[t] += len;
        }
        if (!meta)
            *samples += n;
    }
    free(cur);
    return rc;
}

int history_write(struct world *w, const struct history_range *range, FILE *out,
                  history_progress_fn progress, void *progress_ctx, uint64_t *samples_out,
                  struct errbuf *err)
{
    uint64_t families = range->families & ~catalog_scope_rows(SCOPE_SELF);
    uint64_t total = (range->last_tick - range->first_tick) / range->step_ticks + 1;
    uint64_t samples = 0, done = 0;
    struct strbuf first;
    strbuf_init(&first, 1 << 16, EXPORTER_MAX_BODY_BYTES);
    /* The first tick's size decides how many ticks a chunk holds. */
    if (render_tick(w, families, range->first_tick, &first, err) < 0) {
        strbuf_cleanup(&first);
        return -1;
    }
    size_t one_bytes = first.len + 1;
    uint64_t per_chunk = HISTORY_CHUNK_BYTES / one_bytes ? HISTORY_CHUNK_BYTES / one_bytes : 1;
    if (per_chunk > total)
        per_chunk = total;
    struct strbuf *bodies = xcalloc((size_t)per_chunk, sizeof(*bodies));
    bodies[0] = first;
    for (size_t i = 1; i < per_chunk; i++)
        strbuf_init(&bodies[i], one_bytes + one_bytes / 8, EXPORTER_MAX_BODY_BYTES);
    int rc = 0;
    size_t n = 1; /* the first chunk starts with the first tick rendered */
    uint64_t tick = range->first_tick + range->step_ticks;
    while (rc == 0 && done < total) {
        for (; rc == 0 && n < per_chunk && done + n < total; n++, tick += range->step_ticks)
            rc = render_tick(w, families, tick, &bodies[n], err);
        if (rc == 0)
            rc = write_chunk(bodies, n, range->labels ? range->labels : "", out, &samples, err);
        done += n;
        n = 0;
        if (rc == 0 && progress)
            progress(done, total, progress_ctx);
    }
    for (size_t i = 0; i < per_chunk; i++)
        strbuf_cleanup(&bodies[i]);
    free(bodies);
    if (rc == 0 && fwrite(eof_line, 1, sizeof(eof_line) - 1, out) != sizeof(eof_line) - 1)
        rc = errbuf_set(err, "write: %s", strerror(errno));
    if (rc == 0 && fflush(out) != 0)
        rc = errbuf_set(err, "write: %s", strerror(errno));
    if (samples_out)
        *samples_out = samples;
    return rc;
}
