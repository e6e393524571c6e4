/* exporter.c - per-tick render cache around the simulation. */
#include "serve/exporter.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "metrics/catalog.h"

/* Port-ticks simulated per hold of the lock while catching up (at about 60 ns each, some
 * 60 ms): scrapes and stop requests wait at most that long. */
#define CATCH_UP_SLICE_PORT_TICKS 1000000
#include "serve/compress.h"

struct exporter {
    pthread_mutex_t lock;        /* guards world (its sim), current, previous, the hints */
    pthread_mutex_t reload_lock; /* serializes reloads (never taken under `lock`) */
    /* Guards the `world` pointer for exporter_world(), so pages (/sd, /, /config, the API's
     * targets) never wait for a render that holds `lock`. Writers hold both (lock first). */
    pthread_mutex_t world_lock;
    struct world *world;
    struct exporter_options opts;
    /* The every-device body of the sim's current tick, per format and encoding, or NULL. */
    struct body *current[EXPO_FORMAT_COUNT][BODY_ENCODING_COUNT];
    struct body *previous[EXPO_FORMAT_COUNT];  /* identity body of an earlier tick: reused */
    size_t size_hint_bytes[EXPO_FORMAT_COUNT]; /* last body size: the next buffer's start */
    struct self_stats self;                    /* the simulator's own activity, across worlds */
    const struct request_counts *requests;     /* the web layer's, or NULL */
    const struct remote_write_counts *remote_write; /* the remote writer's, or NULL */
    /* Per format and encoding, one bit per recent tick, bit 0 the current one: whether the
     * every-device body was scraped in that tick. Two scraped ticks in a row mean scrapes
     * at least once per tick: the ticker then renders the next tick's body before anyone
     * asks, so no scrape waits for a render (a slower scraper costs no extra renders). */
    uint8_t demand[EXPO_FORMAT_COUNT][BODY_ENCODING_COUNT];
    /* The sim's clock, published (atomically) after every advance and world swap, so a
     * request can tell "not ready" without the lock, which a catching-up ticker holds
     * most of the time. */
    uint64_t pub_tick;
    int64_t pub_start_ms;
    uint64_t pub_tick_ms;
    uint64_t pub_slice_ticks;

    pthread_t ticker;
    int ticker_running;
    pthread_mutex_t ticker_lock; /* guards stopping; separate so stop never waits on a render */
    pthread_cond_t ticker_wake;
    int stopping;

    struct fault_set faults; /* API and scenario faults (source says which); under `lock` */
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

/* Ticks one hold of the lock may simulate while catching up: about CATCH_UP_SLICE_PORT_TICKS
 * port-ticks (tens of milliseconds), at least one tick. */
static uint64_t slice_ticks_locked(const struct exporter *e)
{
    size_t ports = e->world->fleet->n_ports;
    uint64_t n = CATCH_UP_SLICE_PORT_TICKS / (ports ? ports : 1);
    return n ? n : 1;
}

/* Caller holds e->lock (or is the only thread). */
static void publish_clock_locked(struct exporter *e)
{
    const struct sim *sim = e->world->sim;
    __atomic_store_n(&e->pub_start_ms, (int64_t)0,
                     __ATOMIC_RELAXED); /* ticks count from the epoch */
    __atomic_store_n(&e->pub_tick_ms, sim_tick_ms(sim), __ATOMIC_RELAXED);
    __atomic_store_n(&e->pub_slice_ticks, slice_ticks_locked(e), __ATOMIC_RELAXED);
    __atomic_store_n(&e->pub_tick, sim_tick(sim), __ATOMIC_RELEASE);
}

struct exporter *exporter_new(struct world *world, const struct exporter_options *opts)
{
    struct exporter *e = xcalloc(1, sizeof(*e));
    e->world = world;
    e->opts = *opts;
    for (int f = 0; f < EXPO_FORMAT_COUNT; f++)
        e->size_hint_bytes[f] = 64 * 1024;
    publish_clock_locked(e);
    e->self.last_reload_ok = 1;
    e->self.last_reload_success_ms = opts->loaded_ms;
    fault_set_init(&e->faults);
    fault_set_copy(&e->faults, &world->scenario); /* what its simulation applies already */
    pthread_mutex_init(&e->lock, NULL);
    pthread_mutex_init(&e->reload_lock, NULL);
    pthread_mutex_init(&e->world_lock, NULL);
    pthread_mutex_init(&e->ticker_lock, NULL);
    pthread_cond_init(&e->ticker_wake, NULL);
    return e;
}

/* Caller holds e->lock. Drops the every-device bodies, keeping identity buffers for reuse:
 * if no scrape still holds one, the next render writes into it, whose pages are already
 * mapped (a fresh 20 MB buffer costs more in page faults than the render itself). */
static void drop_bodies_locked(struct exporter *e)
{
    for (int f = 0; f < EXPO_FORMAT_COUNT; f++) {
        if (e->current[f][BODY_IDENTITY]) {
            body_release(e->previous[f]);
            e->previous[f] = e->current[f][BODY_IDENTITY];
        }
        e->current[f][BODY_IDENTITY] = NULL;
        body_release(e->current[f][BODY_GZIP]);
        e->current[f][BODY_GZIP] = NULL;
    }
}

void exporter_free(struct exporter *e)
{
    if (!e)
        return;
    exporter_stop_ticker(e);
    drop_bodies_locked(e);
    for (int f = 0; f < EXPO_FORMAT_COUNT; f++)
        body_release(e->previous[f]);
    world_release(e->world);
    fault_set_cleanup(&e->faults);
    pthread_mutex_destroy(&e->lock);
    pthread_mutex_destroy(&e->reload_lock);
    pthread_mutex_destroy(&e->world_lock);
    pthread_mutex_destroy(&e->ticker_lock);
    pthread_cond_destroy(&e->ticker_wake);
    free(e);
}

const struct exporter_options *exporter_options_of(const struct exporter *e)
{
    return &e->opts;
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

/* Caller holds e->lock. Brings the sim towards the latest tick at now_ms, by at most
 * max_ticks; drops stale bodies. Returns the ticks still to go. */
static uint64_t advance_locked(struct exporter *e, int64_t now_ms, uint64_t max_ticks)
{
    struct sim *sim = e->world->sim;
    uint64_t target = sim_tick_at(sim, now_ms);
    if (target <= sim_tick(sim))
        return 0;
    uint64_t ticks = target - sim_tick(sim);
    if (ticks > max_ticks)
        ticks = max_ticks;
    sim_advance_to(sim, sim_tick(sim) + ticks);
    publish_clock_locked(e);
    drop_bodies_locked(e);
    for (int f = 0; f < EXPO_FORMAT_COUNT; f++)
        for (int c = 0; c < BODY_ENCODING_COUNT; c++)
            e->demand[f][c] = ticks >= 8 ? 0 : (uint8_t)(e->demand[f][c] << ticks);
    return target - sim_tick(sim);
}

/* Why a scrape at now_ms cannot be served yet (-1, err filled), or 0: the simulation is
 * more than one slice behind (catching up, which the ticker does: a scrape simulates at
 * most one slice itself, as a ticker late under load leaves), or the
 * clock is behind the current tick (it stepped back: serving would put timestamps in the
 * future). Reads the published clock: no lock. */
static int not_ready(struct exporter *e, int64_t now_ms, struct errbuf *err)
{
    uint64_t tick = __atomic_load_n(&e->pub_tick, __ATOMIC_ACQUIRE);
    int64_t start_ms = __atomic_load_n(&e->pub_start_ms, __ATOMIC_RELAXED);
    uint64_t tick_ms = __atomic_load_n(&e->pub_tick_ms, __ATOMIC_RELAXED);
    int64_t tick_time_ms = start_ms + (int64_t)(tick * tick_ms);
    uint64_t target = now_ms <= start_ms ? 0 : (uint64_t)(now_ms - start_ms) / tick_ms;
    if (now_ms < tick_time_ms)
        return errbuf_set(err,
                          "the clock is %lld ms behind the simulation's last tick; serving "
                          "again when it catches up",
                          (long long)(tick_time_ms - now_ms));
    if (target > tick + __atomic_load_n(&e->pub_slice_ticks, __ATOMIC_RELAXED))
        return errbuf_set(err, "catching up: %llu ticks behind",
                          (unsigned long long)(target - tick));
    return 0;
}

static struct body *body_new(char *data, size_t len, size_t cap, const struct sim *sim,
                             enum expo_format format, enum body_encoding encoding)
{
    struct body *b = xcalloc(1, sizeof(*b));
    b->data = data;
    b->len = len;
    b->cap = cap;
    b->tick = sim_tick(sim);
    b->timestamp_ms = sim_time_ms(sim);
    b->format = format;
    b->encoding = encoding;
    b->refs = 1;
    return b;
}

/* Caller holds e->lock. A buffer for a full render of `format`: the previous tick's if no
 * scrape holds it any more, else a new one of about the last body's size. */
static void full_render_buffer_locked(struct exporter *e, enum expo_format format,
                                      struct strbuf *sb)
{
    struct body *old = e->previous[format];
    e->previous[format] = NULL;
    size_t hint = e->size_hint_bytes[format];
    if (old && __atomic_load_n(&old->refs, __ATOMIC_ACQUIRE) == 1 && old->cap >= hint) {
        /* Nobody else holds it (refs only go up while we hold the lock): take the buffer. */
        strbuf_adopt(sb, old->data, old->cap, EXPORTER_MAX_BODY_BYTES);
        old->data = NULL;
    } else {
        strbuf_init(sb, hint + hint / 8, EXPORTER_MAX_BODY_BYTES);
    }
    body_release(old);
}

/* Caller holds e->lock. Renders `sel` into sb; on failure frees sb and fills err. */
static int render_locked(struct exporter *e, enum expo_format format, const struct selection *sel,
                         struct strbuf *sb, struct errbuf *err)
{
    const struct sim *sim = e->world->sim;
    struct expo w;
    expo_init(&w, sb, format, sim_time_ms(sim), e->opts.timestamps);
    struct scrape_ctx ctx = {.sim = sim,
                             .sel = *sel,
                             .self = e->self,
                             .requests = __atomic_load_n(&e->requests, __ATOMIC_ACQUIRE),
                             .remote_write = __atomic_load_n(&e->remote_write, __ATOMIC_ACQUIRE)};
    if (registry_collect(&e->world->reg, &w, &ctx, err) < 0) {
        strbuf_cleanup(sb);
        return -1;
    }
    log_debug("rendered", LOG_U64("tick", sim_tick(sim)), LOG_STR("format", w.format->name),
              LOG_U64("bytes", sb->len), LOG_U64("series", w.n_samples));
    return 0;
}

static struct body *gzip_locked(struct exporter *e, const struct body *plain, struct errbuf *err)
{
    double t0 = monotonic_seconds();
    char *data = NULL;
    size_t len = 0;
    if (compress_gzip(plain->data, plain->len, &data, &len, err) < 0)
        return NULL;
    e->self.gzip_seconds += monotonic_seconds() - t0;
    e->self.gzips++;
    log_debug("compressed", LOG_U64("tick", plain->tick), LOG_U64("bytes", plain->len),
              LOG_U64("gzip_bytes", len), LOG_F64("seconds", monotonic_seconds() - t0));
    return body_new(data, len, len, e->world->sim, plain->format, BODY_GZIP);
}

/* Caller holds e->lock. Fills the tick's shared every-device body of this format and
 * encoding if it is not there yet; returns it (the exporter's reference, not the caller's)
 * or NULL with err. */
static struct body *fill_full_body_locked(struct exporter *e, enum expo_format format,
                                          enum body_encoding encoding, struct errbuf *err)
{
    struct body **slot = e->current[format];
    if (!slot[BODY_IDENTITY]) {
        double t0 = monotonic_seconds();
        struct strbuf sb;
        full_render_buffer_locked(e, format, &sb);
        struct selection all = {e->opts.families, 0, e->world->fleet->n_devices, e->world->served};
        if (render_locked(e, format, &all, &sb, err) < 0)
            return NULL;
        size_t cap = sb.cap, len = 0;
        char *data = strbuf_release(&sb, &len);
        slot[BODY_IDENTITY] = body_new(data, len, cap, e->world->sim, format, BODY_IDENTITY);
        e->size_hint_bytes[format] = len;
        double seconds = monotonic_seconds() - t0;
        e->self.last_render_seconds = seconds;
        e->self.render_seconds[format] += seconds;
        e->self.renders[format]++;
    }
    if (encoding == BODY_GZIP && !slot[BODY_GZIP])
        slot[BODY_GZIP] = gzip_locked(e, slot[BODY_IDENTITY], err);
    return slot[encoding];
}

/* Caller holds e->lock. The shared every-device body of this tick, rendered if needed, with
 * a reference for the caller. */
static struct body *full_body_locked(struct exporter *e, enum expo_format format,
                                     enum body_encoding encoding, struct errbuf *err)
{
    struct body *b = fill_full_body_locked(e, format, encoding, err);
    if (b)
        body_retain(b);
    return b;
}

/* Caller holds e->lock. A body rendered for this request alone: `sel` of the fleet. */
static struct body *selected_body_locked(struct exporter *e, const struct selection *sel,
                                         const struct scrape_request *req, struct errbuf *err)
{
    const struct fleet *fleet = e->world->fleet;
    size_t ports = 0;
    for (size_t d = sel->first_device; d < sel->end_device; d++)
        ports += fleet->devices[d].n_ports;
    struct strbuf sb;
    strbuf_init(&sb, 4096 + ports * 256, EXPORTER_MAX_BODY_BYTES);
    if (render_locked(e, req->format, sel, &sb, err) < 0)
        return NULL;
    size_t cap = sb.cap, len = 0;
    char *data = strbuf_release(&sb, &len);
    struct body *plain = body_new(data, len, cap, e->world->sim, req->format, BODY_IDENTITY);
    if (req->encoding == BODY_IDENTITY)
        return plain;
    struct body *gz = gzip_locked(e, plain, err);
    body_release(plain);
    return gz;
}

/* Caller holds e->lock, just after a new tick began: renders the bodies that were scraped
 * in each of the last two ticks (see demand). A failure is left for the scrape to report. */
static void prerender_locked(struct exporter *e)
{
    for (int f = 0; f < EXPO_FORMAT_COUNT; f++)
        for (int c = 0; c < BODY_ENCODING_COUNT; c++)
            if ((e->demand[f][c] & 6) == 6) {
                struct errbuf err;
                fill_full_body_locked(e, (enum expo_format)f, (enum body_encoding)c, &err);
            }
}

enum scrape_status exporter_scrape(struct exporter *e, int64_t now_ms,
                                   const struct scrape_request *req, struct body **out,
                                   struct errbuf *err)
{
    if (not_ready(e, now_ms, err) < 0)
        return SCRAPE_NOT_READY;
    pthread_mutex_lock(&e->lock);
    advance_locked(e, now_ms, slice_ticks_locked(e));
    enum scrape_status status = SCRAPE_OK;
    struct shard_spec shard = {0, 1}; /* set when the device is another shard's */
    struct body *b = NULL;
    uint64_t families = req->families ? req->families : e->opts.families;
    if (!req->device && families == e->opts.families) {
        e->demand[req->format][req->encoding] |= 1;
        b = full_body_locked(e, req->format, req->encoding, err);
    } else if (!req->device) {
        struct selection all = {families, 0, e->world->fleet->n_devices, e->world->served};
        b = selected_body_locked(e, &all, req, err);
    } else {
        long d = world_find_device(e->world, req->device);
        /* One device: its own families; the simulator's are for the whole process. */
        struct selection one = {families & ~catalog_scope_rows(SCOPE_SELF), (size_t)d,
                                (size_t)d + 1, NULL};
        if (d < 0)
            status = SCRAPE_UNKNOWN_DEVICE;
        else if (!world_serves(e->world, (size_t)d))
            status = SCRAPE_UNKNOWN_DEVICE, shard = e->world->params.shard;
        else
            b = selected_body_locked(e, &one, req, err);
    }
    pthread_mutex_unlock(&e->lock);
    if (status == SCRAPE_UNKNOWN_DEVICE) {
        if (shard.count > 1)
            errbuf_set(err, "device \"%s\" is not in shard %u of %u (0-based)", req->device,
                       shard.index, shard.count);
        else
            errbuf_set(err, "unknown device \"%s\"", req->device);
        return status;
    }
    *out = b;
    return b ? SCRAPE_OK : SCRAPE_FAILED;
}

/* Whether exporter_stop_ticker() asked the ticker to stop. */
static int stopping(struct exporter *e)
{
    pthread_mutex_lock(&e->ticker_lock);
    int s = e->stopping;
    pthread_mutex_unlock(&e->ticker_lock);
    return s;
}

void exporter_advance(struct exporter *e, int64_t now_ms)
{
    uint64_t left = 1;
    while (left && !stopping(e)) {
        pthread_mutex_lock(&e->lock);
        left = advance_locked(e, now_ms, slice_ticks_locked(e));
        if (!left)
            prerender_locked(e);
        pthread_mutex_unlock(&e->lock);
        if (left) {
            /* A mutex is not fair: relocking at once would starve every other thread that
             * waits for it (a page, a reload, a shutdown). A millisecond between slices of
             * tens of milliseconds lets them in. */
            struct timespec pause = {0, 1000000};
            nanosleep(&pause, NULL);
        }
    }
}

int exporter_ready(struct exporter *e, int64_t now_ms, struct errbuf *err)
{
    return not_ready(e, now_ms, err);
}

uint64_t exporter_renders(struct exporter *e, enum expo_format format)
{
    pthread_mutex_lock(&e->lock);
    uint64_t n = e->self.renders[format];
    pthread_mutex_unlock(&e->lock);
    return n;
}

uint64_t exporter_tick(struct exporter *e)
{
    pthread_mutex_lock(&e->lock);
    uint64_t tick = sim_tick(e->world->sim);
    pthread_mutex_unlock(&e->lock);
    return tick;
}

void exporter_swap_world(struct exporter *e, struct world *next)
{
    pthread_mutex_lock(&e->reload_lock);
    pthread_mutex_lock(&e->lock);
    struct world *old = e->world;
    pthread_mutex_lock(&e->world_lock);
    e->world = next;
    pthread_mutex_unlock(&e->world_lock);
    drop_bodies_locked(e);
    publish_clock_locked(e);
    pthread_mutex_unlock(&e->lock);
    pthread_mutex_unlock(&e->reload_lock);
    world_release(old); /* outside the lock: freeing a large fleet takes a while */
}

/* Caller holds e->lock. Keeps the API faults whose targets exist in `next` (re-resolved
 * by name; the rest are dropped with a log line) and replaces the scenario's faults with
 * next's. */
static void retarget_faults_locked(struct exporter *e, const struct world *next)
{
    const struct fleet *fleet = next->fleet;
    size_t w = 0;
    for (size_t i = 0; i < e->faults.n; i++) {
        struct fault f = e->faults.faults[i];
        if (strcmp(f.source, "api") != 0)
            continue; /* the old scenario's */
        char target[sizeof(f.target_name)];
        memcpy(target, f.target_name, sizeof(target));
        struct errbuf err;
        if (fault_resolve_target(&f, fleet, target, &err) < 0) {
            log_warn("fault dropped by the reload", LOG_U64("id", f.id),
                     LOG_STR("kind", fault_kinds[f.kind].name), LOG_STR("reason", err.msg));
            continue;
        }
        e->faults.faults[w++] = f;
    }
    e->faults.n = w;
    e->faults.generation++;
    for (size_t i = 0; i < next->scenario.n; i++) {
        struct errbuf err;
        if (fault_set_add(&e->faults, &next->scenario.faults[i], NULL, &err) < 0) {
            log_warn("scenario event left out", LOG_STR("reason", err.msg));
            break;
        }
    }
}

void exporter_reload_world(struct exporter *e, struct world *next, size_t *carried)
{
    /* Only one reload at a time may compute against the current world: serialize them. */
    pthread_mutex_lock(&e->reload_lock);
    struct world *old = exporter_world(e);
    long *map = world_port_map(next, old, carried);
    pthread_mutex_lock(&e->lock);
    /* Values are a function of (profile, seed, tick): a port the new profile models alike
     * continues exactly, with nothing to copy. */
    uint64_t tick = sim_tick(old->sim);
    /* API faults follow their targets by name; scenario faults come with the new world */
    retarget_faults_locked(e, next);
    sim_set_faults(next->sim, &e->faults);
    sim_seek_to(next->sim, tick);
    pthread_mutex_lock(&e->world_lock);
    e->world = next;
    pthread_mutex_unlock(&e->world_lock);
    drop_bodies_locked(e);
    publish_clock_locked(e);
    pthread_mutex_unlock(&e->lock);
    pthread_mutex_unlock(&e->reload_lock);
    free(map);
    /* Twice: our reference from exporter_world(), and the exporter's own, dropped outside
     * the lock because freeing a large fleet takes a while. */
    world_release(old);
    world_release(old);
}

void exporter_count_remote_write(struct exporter *e, const struct remote_write_counts *counts)
{
    __atomic_store_n(&e->remote_write, counts, __ATOMIC_RELEASE);
    pthread_mutex_lock(&e->lock); /* as exporter_count_requests */
    pthread_mutex_unlock(&e->lock);
}

void exporter_count_requests(struct exporter *e, const struct request_counts *requests)
{
    __atomic_store_n(&e->requests, requests, __ATOMIC_RELEASE);
    /* A render that loaded the old pointer holds the lock: wait for it to finish. */
    pthread_mutex_lock(&e->lock);
    pthread_mutex_unlock(&e->lock);
}

void exporter_note_reload(struct exporter *e, int ok, int64_t now_ms)
{
    pthread_mutex_lock(&e->lock);
    e->self.last_reload_ok = ok;
    if (ok)
        e->self.last_reload_success_ms = now_ms;
    drop_bodies_locked(e); /* the next scrape shows it */
    pthread_mutex_unlock(&e->lock);
}

struct world *exporter_world(struct exporter *e)
{
    pthread_mutex_lock(&e->world_lock);
    struct world *w = e->world;
    world_retain(w);
    pthread_mutex_unlock(&e->world_lock);
    return w;
}

static void *ticker_main(void *arg)
{
    struct exporter *e = arg;
    pthread_mutex_lock(&e->ticker_lock);
    while (!e->stopping) {
        pthread_mutex_unlock(&e->ticker_lock);
        int64_t now = exporter_now_ms();
        /* Read under the lock each time: a world swap may change the tick. */
        exporter_advance(e, now);
        pthread_mutex_lock(&e->lock);
        int64_t tick_ms = (int64_t)sim_tick_ms(e->world->sim);
        int64_t start_ms = 0; /* ticks count from the epoch */
        pthread_mutex_unlock(&e->lock);
        /* Sleep until just after the next tick boundary. */
        int64_t since = now - start_ms;
        int64_t next = start_ms + (since / tick_ms + 1) * tick_ms + 1;
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

/* ---- faults --------------------------------------------------------------------------- */

/* Caller holds e->lock: the simulation applies the set from the next tick on. Faults
 * that ended over FAULT_KEEP_MS ago are forgotten (they only matter again if the history
 * is recomputed, by a reload: see docs/INCIDENTS.md). */
static void apply_faults_locked(struct exporter *e)
{
    uint64_t keep = FAULT_KEEP_MS / sim_tick_ms(e->world->sim), tick = sim_tick(e->world->sim);
    fault_set_prune(&e->faults, tick > keep ? tick - keep : 0);
    sim_set_faults(e->world->sim, &e->faults);
}

int exporter_add_fault(struct exporter *e, const struct fault_spec *spec, uint64_t ids[4],
                       size_t *n_ids, struct errbuf *err)
{
    struct fault made[4];
    size_t n = 0;
    *n_ids = 0;
    pthread_mutex_lock(&e->lock);
    int rc =
        fault_spec_expand(spec, e->world->fleet, sim_tick(e->world->sim) + 1, made, 4, &n, err);
    if (rc == 0 && e->faults.n + n > FAULT_MAX)
        rc =
            errbuf_set(err, "%d faults are held already (the limit); delete some first", FAULT_MAX);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        fault_set_add(&e->faults, &made[i], &ids[i], err);
        log_info("fault added", LOG_U64("id", ids[i]),
                 LOG_STR("kind", fault_kinds[made[i].kind].name),
                 LOG_STR("target", made[i].target_name), LOG_U64("start_tick", made[i].start_tick));
    }
    if (rc == 0) {
        *n_ids = n;
        apply_faults_locked(e);
    }
    pthread_mutex_unlock(&e->lock);
    return rc;
}

int exporter_end_fault(struct exporter *e, uint64_t id)
{
    pthread_mutex_lock(&e->lock);
    int rc = fault_set_end(&e->faults, id, sim_tick(e->world->sim) + 1);
    if (rc == 0) {
        apply_faults_locked(e);
        log_info("fault ended", LOG_U64("id", id));
    }
    pthread_mutex_unlock(&e->lock);
    return rc;
}

void exporter_faults_json(struct exporter *e, struct strbuf *sb)
{
    pthread_mutex_lock(&e->lock);
    uint64_t tick = sim_tick(e->world->sim), tick_ms = sim_tick_ms(e->world->sim);
    strbuf_puts(sb, "{\"faults\":[");
    int first = 1;
    for (size_t i = 0; i < e->faults.n; i++) {
        const struct fault *f = &e->faults.faults[i];
        if (fault_end(f) <= tick)
            continue;
        if (!first)
            strbuf_putc(sb, ',');
        first = 0;
        fault_to_json(f, tick_ms, sb);
    }
    strbuf_puts(sb, "]}\n");
    pthread_mutex_unlock(&e->lock);
}

int exporter_probe_fault(struct exporter *e, const char *device, uint64_t *delay_ms)
{
    int kind = -1;
    pthread_mutex_lock(&e->lock);
    uint64_t tick = sim_tick(e->world->sim);
    for (size_t i = 0; i < e->faults.n && kind < 0; i++) {
        const struct fault *f = &e->faults.faults[i];
        if (f->kind >= FAULT_PROBE_SLOW && fault_active(f, tick) &&
            strcmp(e->world->fleet->devices[f->device].name, device) == 0) {
            kind = (int)f->kind;
            *delay_ms = (uint64_t)f->param[FAULT_P_DELAY_MS];
        }
    }
    pthread_mutex_unlock(&e->lock);
    return kind;
}
