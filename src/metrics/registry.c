/* registry.c - collector callbacks, run in order on every render. */
#include "metrics/registry.h"

#include <string.h>

const unsigned request_codes[REQUEST_N_CODES] = {200, 400, 401, 403, 404, 405, 429, 500, 503, 0};

size_t request_code_slot(unsigned status)
{
    size_t i = 0;
    while (i < REQUEST_N_CODES - 1 && request_codes[i] != status)
        i++;
    return i;
}

void registry_init(struct registry *reg)
{
    memset(reg, 0, sizeof(*reg));
}

int registry_add(struct registry *reg, const char *name, collector_fn fn, void *user)
{
    if (reg->n == REGISTRY_MAX_COLLECTORS)
        return -1;
    reg->items[reg->n].name = name;
    reg->items[reg->n].fn = fn;
    reg->items[reg->n].user = user;
    reg->n++;
    return 0;
}

int registry_collect(const struct registry *reg, struct expo *w, const struct scrape_ctx *ctx,
                     struct errbuf *err)
{
    for (size_t i = 0; i < reg->n; i++) {
        if (reg->items[i].fn(w, ctx, reg->items[i].user) < 0 || w->failed)
            return errbuf_set(err, "collector %s: %s", reg->items[i].name,
                              w->failed ? w->err.msg : "failed");
        if (w->out->overflow)
            return errbuf_set(err, "collector %s: response larger than the limit of %zu bytes",
                              reg->items[i].name, w->out->max_bytes);
    }
    if (expo_finish(w) < 0)
        return errbuf_set(err, "exposition: %s", w->err.msg);
    if (w->out->overflow)
        return errbuf_set(err, "response larger than the limit of %zu bytes", w->out->max_bytes);
    return 0;
}
