/* main.c - wiring: flags -> signal thread -> profiles -> simulation -> collectors ->
 * exporter -> HTTP, then wait for SIGINT/SIGTERM and tear everything down in reverse order. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/backfill.h"
#include "app/cli.h"
#include "app/signals.h"
#include "base/log.h"
#include "config/profile.h"
#include "config/webconfig.h"
#include "metrics/budget.h"
#include "metrics/catalog.h"
#include "model/model.h"
#include "model/shard.h"
#include "serve/exporter.h"
#include "serve/remote_write.h"
#include "serve/world.h"
#include "web/http.h"

#ifndef SWITCHSIM_VERSION
#define SWITCHSIM_VERSION "0.0.0-dev"
#endif
#ifndef SWITCHSIM_REVISION
#define SWITCHSIM_REVISION "unknown"
#endif
#ifndef SWITCHSIM_DEFAULT_PROFILE
#define SWITCHSIM_DEFAULT_PROFILE "/usr/local/share/switchsim/profiles/default.yaml"
#endif
#define DEFAULT_SEED 1
/* Catching up more than this many port-ticks at start-up gets a log line first. */
#define CATCH_UP_NOTICE_PORT_TICKS 50000000ULL

/* The installed copy; from a source tree, the repository's own. Neither: NULL, and err
 * names both paths tried, the installed one first (it is the one a user must fix). */
static const char *default_profile(struct errbuf *err)
{
    static const char installed[] = SWITCHSIM_DEFAULT_PROFILE;
    static const char source_tree[] = "profiles/default.yaml";
    if (access(installed, R_OK) == 0)
        return installed;
    int installed_errno = errno;
    if (access(source_tree, R_OK) == 0)
        return source_tree;
    errbuf_set(err,
               "no --profile given and no default profile: cannot read %s (%s), nor %s in the "
               "working directory",
               installed, strerror(installed_errno), source_tree);
    return NULL;
}

/* What a reload needs: the same profile paths and flags as the start. */
struct reloader {
    const struct options *opts;
    const char *const *paths;
    size_t n_paths;
    struct exporter *exporter;
    pthread_mutex_t lock; /* one reload at a time (SIGHUP and POST /-/reload) */
};

static uint64_t seed_of(const struct options *opts, const struct fleet *fleet)
{
    return opts->seed_set ? opts->seed : (fleet->seed_set ? fleet->seed : DEFAULT_SEED);
}

/* Loads the profiles again and swaps them in, carrying every surviving port's state; on
 * any error the old profiles keep serving. Thread-safe. */
static int reload_profiles(void *ctx, struct errbuf *err)
{
    struct reloader *r = ctx;
    pthread_mutex_lock(&r->lock);
    int64_t now_ms = exporter_now_ms();
    struct world *old = exporter_world(r->exporter);
    struct fleet *fleet = NULL;
    struct profile_budget budget;
    catalog_budget(r->opts->families, &budget);
    int rc = profile_load(r->paths, r->n_paths, &budget, &fleet, err);
    if (rc == 0 && fleet->tick_ms != old->fleet->tick_ms) {
        rc =
            errbuf_set(err,
                       "simulation.tick changed from %llums to %llums: a new tick needs a "
                       "restart",
                       (unsigned long long)old->fleet->tick_ms, (unsigned long long)fleet->tick_ms);
        fleet_free(fleet);
    }
    if (rc == 0) {
        struct world_params params = old->params;
        params.seed = seed_of(r->opts, fleet);
        size_t carried = 0;
        struct world *next = world_new_at(fleet, &params, exporter_tick(r->exporter));
        exporter_reload_world(r->exporter, next, &carried);
        log_info("Reloaded profiles", LOG_U64("devices", fleet->n_devices),
                 LOG_U64("ports", fleet->n_ports), LOG_U64("ports_carried_over", carried));
    } else {
        log_error("Reload failed, the old profiles keep serving", LOG_STR("err", err->msg));
    }
    world_release(old);
    exporter_note_reload(r->exporter, rc == 0, now_ms);
    pthread_mutex_unlock(&r->lock);
    return rc;
}

static void reload_on_signal(void *ctx)
{
    struct errbuf err;
    reload_profiles(ctx, &err); /* logs either way */
}

static int run(const struct options *opts, const struct web_config *web, const char *const *paths,
               size_t n_paths, struct fleet *fleet)
{
    int64_t now_ms = exporter_now_ms();
    uint64_t seed = seed_of(opts, fleet);
    if (opts->start_set)
        log_warn("--start-time has no effect: values are a function of the wall-clock tick "
                 "(see docs/SIMULATION.md#time); the flag is accepted so old command lines work");
    struct world_params params = {.seed = seed,
                                  .process_start_ms = now_ms,
                                  .build = {SWITCHSIM_VERSION, SWITCHSIM_REVISION},
                                  .shard = opts->shard};
    /* Positioned at the current tick directly: no history is replayed. */
    struct world *world =
        world_new_at(fleet, &params, now_ms <= 0 ? 0 : (uint64_t)now_ms / fleet->tick_ms);

    struct exporter_options exporter_opts = {
        .timestamps = opts->timestamps, .families = opts->families, .loaded_ms = now_ms};
    struct exporter *exporter = exporter_new(world, &exporter_opts);

    int rc = 0;
    struct errbuf err;
    struct reloader reloader = {opts, paths, n_paths, exporter, PTHREAD_MUTEX_INITIALIZER};
    struct http_options http_opts = {
        .host = opts->listen_host,
        .port = opts->listen_port,
        .limits = opts->http_limits,
        .page = {SWITCHSIM_VERSION, SWITCHSIM_REVISION, paths, n_paths, opts->enable_lifecycle},
        .sd_address = opts->sd_address,
        .web = web,
        .reload = opts->enable_lifecycle ? reload_profiles : NULL,
        .admin_api = opts->enable_admin_api,
        .reload_ctx = &reloader};
    struct http_server *srv = NULL;
    /* Read now: once the server runs, a reload may free this fleet. */
    size_t n_devices = fleet->n_devices, n_ports = fleet->n_ports;
    uint64_t tick_ms = fleet->tick_ms;
    struct remote_writer *rw = NULL;
    if (exporter_start_ticker(exporter, &err) < 0) {
        log_error("Cannot start the simulation ticker", LOG_STR("err", err.msg));
        rc = 1;
        goto out;
    }
    if (opts->remote_write.url && !(rw = remote_write_start(exporter, &opts->remote_write, &err))) {
        log_error("Cannot start remote write", LOG_STR("err", err.msg));
        rc = 1;
        goto out;
    }
    if (!(srv = http_start(&http_opts, exporter, &err))) {
        log_error("Cannot start the HTTP server", LOG_STR("err", err.msg));
        rc = 1;
        goto out;
    }
    log_info("Starting switchsim", LOG_STR("version", SWITCHSIM_VERSION),
             LOG_STR("revision", SWITCHSIM_REVISION), LOG_U64("devices", n_devices),
             LOG_U64("ports", n_ports), LOG_U64("seed", seed), LOG_U64("tick_ms", tick_ms),
             LOG_BOOL("timestamps", opts->timestamps));
    /* Serving from here on: SIGHUP reloads, SIGTERM shuts down in order. Before the
     * "Listening on" line, which tells scripts the server is up. */
    signals_on_reload(reload_on_signal, &reloader);
    signals_running();
    char address[CLI_ADDRESS_BYTES];
    cli_format_listen_address(opts->listen_host, http_port(srv), address, sizeof(address));
    log_info("Listening on", LOG_STR("address", address));

    int sig = signals_wait_stop();
    log_info("Shutting down", LOG_STR("signal", signals_name(sig)));
out:
    http_stop(srv);
    remote_write_stop(rw);
    exporter_free(exporter); /* releases the world, and with it the fleet */
    return rc;
}

/* A bad flag: the error, the usage, exit 2. The logger is not set up yet. */
static int bad_flag(const struct errbuf *err)
{
    fprintf(stderr, "switchsim: error: %s\n\n", err->msg);
    cli_usage(stderr);
    return 2;
}

/* Loads the profiles, then checks them (--check-config) or runs. Returns the exit code. */
static int load_profiles_and_run(const struct options *opts, const struct web_config *web);

/* A start-up error: --check-config is a tool and prints a plain line; at start-up the
 * logger says it. Returns the exit code 2. */
static int load_error(const struct options *opts, const char *what, const char *why)
{
    if (opts->check_config || opts->backfill)
        fprintf(stderr, "switchsim: error: %s\n", why);
    else
        log_error(what, LOG_STR("err", why));
    return 2;
}

static int load_and_run(const struct options *opts)
{
    struct errbuf err;
    struct web_config *web = NULL;
    if (opts->web_config_file && webconfig_load(opts->web_config_file, &web, &err) < 0)
        return load_error(opts, "Error loading the web config", err.msg);
    int rc = load_profiles_and_run(opts, web);
    webconfig_free(web);
    return rc;
}

static int load_profiles_and_run(const struct options *opts, const struct web_config *web)
{
    const char *fallback[1];
    const char *const *paths = opts->profiles;
    size_t n_paths = opts->n_profiles;
    if (n_paths == 0) {
        struct errbuf why;
        fallback[0] = default_profile(&why);
        if (!fallback[0])
            return load_error(opts, "Error loading profiles", why.msg);
        paths = fallback;
        n_paths = 1;
    }
    for (size_t i = 0; i < n_paths && !opts->check_config && !opts->backfill; i++)
        log_info("Loading profile", LOG_STR("path", paths[i]));
    struct errbuf err;
    struct fleet *fleet = NULL;
    struct profile_budget budget;
    catalog_budget(opts->families, &budget);
    if (profile_load(paths, n_paths, &budget, &fleet, &err) < 0)
        return load_error(opts, "Error loading profiles", err.msg);
    int rc = 0;
    if (opts->backfill)
        return backfill_run(opts, fleet, seed_of(opts, fleet), exporter_now_ms());
    if (opts->check_config)
        printf("switchsim: profiles OK: %zu device%s, %zu port%s, %llu series\n", fleet->n_devices,
               fleet->n_devices == 1 ? "" : "s", fleet->n_ports, fleet->n_ports == 1 ? "" : "s",
               (unsigned long long)catalog_series_count(fleet->n_devices, fleet->n_ports,
                                                        opts->families));
    if (opts->check_config && opts->shard.count > 1) {
        size_t n_served = 0;
        free(shard_select(fleet, opts->shard, &n_served));
        printf("switchsim: shard %u of %u: %zu device%s\n", opts->shard.index, opts->shard.count,
               n_served, n_served == 1 ? "" : "s");
    }
    if (!opts->check_config)
        return run(opts, web, paths, n_paths, fleet); /* the world it builds owns the fleet */
    fleet_free(fleet);
    return rc;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    struct options opts;
    struct errbuf err;
    if (cli_parse(argc, argv, &opts, &err) < 0)
        return bad_flag(&err);
    if (opts.show_help) {
        cli_usage(stdout);
        return 0;
    }
    if (opts.show_version) {
        printf("switchsim, version %s (revision: %s)\n", SWITCHSIM_VERSION, SWITCHSIM_REVISION);
        return 0;
    }
    if (cli_validate(&opts, exporter_now_ms(), &err) < 0)
        return bad_flag(&err);
    log_set_level(opts.log_level);
    log_set_format(opts.log_format);
    if (opts.backfill) /* one thread, signals as they come: Ctrl-C ends it */
        return load_profiles_and_run(&opts, NULL);
    /* Before any other thread exists, so all inherit the blocked signals; from here on a
     * stop signal ends any stage of the start promptly (signals.h). */
    if (signals_start(&err) < 0) {
        log_error("Cannot start", LOG_STR("err", err.msg));
        return 1;
    }
    int rc = load_and_run(&opts);
    signals_stop();
    return rc;
}
