/* exporter.c - per-tick render cache around the simulation. */
#include "serve/exporter.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "serve/compress.h"

struct exporter {
    pthread_mutex_t lock; /* guards sim, current, last_render_seconds */
    struct sim *sim;
    const struct registry *reg;
    int timestamps;
    struct body *current[2]; /* per encoding: the body of the sim's current tick, or NULL */
    struct body *previous;   /* identity body of an earlier tick: its buffer is reused */
    size_t size_hint_bytes;  /* last body size: the next buffer starts this big */
    double last_render_seconds;

    pthread_t ticker;
    int ticker_running;
    pthread_mutex_t ticker_lock; /* guards stopping; separate so stop never waits on a render */
    pthread_cond_t ticker_wake;
    int stopping;
};

int64_t exporter_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct exporter *exporter_new(struct sim *sim, const struct registry *reg, int timestamps)
{
    struct exporter *e = xcalloc(1, sizeof(*e));
    e->sim = sim;
    e->reg = reg;
    e->timestamps = timestamps;
    e->size_hint_bytes = 64 * 1024;
    pthread_mutex_init(&e->lock, NULL);
    pthread_mutex_init(&e->ticker_lock, NULL);
    pthread_cond_init(&e->ticker_wake, NULL);
    return e;
}

void exporter_free(struct exporter *e)
{
    if (!e)
        return;
    exporter_stop_ticker(e);
    body_release(e->current[BODY_IDENTITY]);
    body_release(e->current[BODY_GZIP]);
    body_release(e->previous);
    pthread_mutex_destroy(&e->lock);
    pthread_mutex_destroy(&e->ticker_lock);
    pthread_cond_destroy(&e->ticker_wake);
    free(e);
}

void body_retain(struct body *b)
{
    __atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
}

void body_release(struct body *b)
{
    if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        free(b->data);
        free(b);
    }
}

/* Caller holds e->lock. Brings the sim to the latest tick at now_ms; drops a stale body. */
static void advance_locked(struct exporter *e, int64_t now_ms)
{
    uint64_t target = sim_tick_at(e->sim, now_ms);
    if (target <= sim_tick(e->sim))
        return;
    sim_advance_to(e->sim, target);
    /* Keep the identity body around: if no scrape still holds it, the next render reuses
     * its buffer, whose pages are already mapped (a fresh 20 MB buffer costs more in page
     * faults than the render itself). */
    body_release(e->previous);
    e->previous = e->current[BODY_IDENTITY];
    e->current[BODY_IDENTITY] = NULL;
    body_release(e->current[BODY_GZIP]);
    e->current[BODY_GZIP] = NULL;
}

static struct body *body_new(char *data, size_t len, size_t cap, enum body_encoding encoding,
                             const struct sim *sim)
{
    struct body *b = xcalloc(1, sizeof(*b));
    b->data = data;
    b->len = len;
    b->cap = cap;
    b->tick = sim_tick(sim);
    b->timestamp_ms = sim_time_ms(sim);
    b->encoding = encoding;
    b->refs = 1;
    return b;
}

static struct body *render_locked(struct exporter *e, struct errbuf *err)
{
    double t0 = monotonic_seconds();
    struct strbuf sb;
    struct body *old = e->previous;
    e->previous = NULL;
    if (old && __atomic_load_n(&old->refs, __ATOMIC_ACQUIRE) == 1 &&
        old->cap >= e->size_hint_bytes) {
        /* Nobody else holds it (refs only go up while we hold the lock): take the buffer. */
        strbuf_adopt(&sb, old->data, old->cap, EXPORTER_MAX_BODY_BYTES);
        old->data = NULL;
    } else {
        strbuf_init(&sb, e->size_hint_bytes + e->size_hint_bytes / 8, EXPORTER_MAX_BODY_BYTES);
    }
    body_release(old);
    struct expo w;
    int64_t ts_ms = sim_time_ms(e->sim);
    expo_init(&w, &sb, ts_ms, e->timestamps);
    struct scrape_ctx ctx = {.sim = e->sim, .last_render_seconds = e->last_render_seconds};
    if (registry_collect(e->reg, &w, &ctx, err) < 0) {
        strbuf_cleanup(&sb);
        return NULL;
    }
    size_t cap = sb.cap, len = 0;
    char *data = strbuf_release(&sb, &len);
    struct body *b = body_new(data, len, cap, BODY_IDENTITY, e->sim);
    e->size_hint_bytes = b->len;
    e->last_render_seconds = monotonic_seconds() - t0;
    log_debug("rendered", LOG_U64("tick", b->tick), LOG_U64("bytes", b->len),
              LOG_U64("series", w.n_samples), LOG_F64("seconds", e->last_render_seconds));
    return b;
}

static struct body *gzip_locked(struct exporter *e, const struct body *plain, struct errbuf *err)
{
    double t0 = monotonic_seconds();
    char *data = NULL;
    size_t len = 0;
    if (compress_gzip(plain->data, plain->len, &data, &len, err) < 0)
        return NULL;
    log_debug("compressed", LOG_U64("tick", plain->tick), LOG_U64("bytes", plain->len),
              LOG_U64("gzip_bytes", len), LOG_F64("seconds", monotonic_seconds() - t0));
    return body_new(data, len, len, BODY_GZIP, e->sim);
}

struct body *exporter_scrape(struct exporter *e, int64_t now_ms, enum body_encoding encoding,
                             struct errbuf *err)
{
    pthread_mutex_lock(&e->lock);
    advance_locked(e, now_ms);
    if (!e->current[BODY_IDENTITY])
        e->current[BODY_IDENTITY] = render_locked(e, err);
    if (encoding == BODY_GZIP && !e->current[BODY_GZIP] && e->current[BODY_IDENTITY])
        e->current[BODY_GZIP] = gzip_locked(e, e->current[BODY_IDENTITY], err);
    struct body *b = e->current[encoding];
    if (b)
        body_retain(b);
    pthread_mutex_unlock(&e->lock);
    return b;
}

void exporter_advance(struct exporter *e, int64_t now_ms)
{
    pthread_mutex_lock(&e->lock);
    advance_locked(e, now_ms);
    pthread_mutex_unlock(&e->lock);
}

uint64_t exporter_tick(struct exporter *e)
{
    pthread_mutex_lock(&e->lock);
    uint64_t tick = sim_tick(e->sim);
    pthread_mutex_unlock(&e->lock);
    return tick;
}

static void *ticker_main(void *arg)
{
    struct exporter *e = arg;
    uint64_t tick_ms = sim_tick_ms(e->sim);
    int64_t start_ms = sim_start_ms(e->sim);
    pthread_mutex_lock(&e->ticker_lock);
    while (!e->stopping) {
        pthread_mutex_unlock(&e->ticker_lock);
        int64_t now = exporter_now_ms();
        exporter_advance(e, now);
        /* Sleep until just after the next tick boundary. */
        int64_t since = now - start_ms;
        int64_t next = start_ms + (since / (int64_t)tick_ms + 1) * (int64_t)tick_ms + 1;
        struct timespec until = {.tv_sec = next / 1000, .tv_nsec = (next % 1000) * 1000000};
        pthread_mutex_lock(&e->ticker_lock);
        while (!e->stopping &&
               pthread_cond_timedwait(&e->ticker_wake, &e->ticker_lock, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&e->ticker_lock);
    return NULL;
}

int exporter_start_ticker(struct exporter *e, struct errbuf *err)
{
    e->stopping = 0;
    int rc = pthread_create(&e->ticker, NULL, ticker_main, e);
    if (rc != 0)
        return errbuf_set(err, "cannot start the simulation thread: %s", strerror(rc));
    e->ticker_running = 1;
    return 0;
}

void exporter_stop_ticker(struct exporter *e)
{
    if (!e->ticker_running)
        return;
    pthread_mutex_lock(&e->ticker_lock);
    e->stopping = 1;
    pthread_cond_signal(&e->ticker_wake);
    pthread_mutex_unlock(&e->ticker_lock);
    pthread_join(e->ticker, NULL);
    e->ticker_running = 0;
}
