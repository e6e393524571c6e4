/* main.c - wiring: flags -> profiles -> simulation -> collectors -> exporter -> HTTP,
 * then wait for SIGINT/SIGTERM and tear everything down in reverse order. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli.h"
#include "base/log.h"
#include "config/profile.h"
#include "metrics/collectors.h"
#include "metrics/registry.h"
#include "model/model.h"
#include "serve/exporter.h"
#include "sim/sim.h"
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

static const char *default_profile(void)
{
    /* The installed copy; from a source tree, the repository's own. */
    if (access(SWITCHSIM_DEFAULT_PROFILE, R_OK) == 0)
        return SWITCHSIM_DEFAULT_PROFILE;
    return "profiles/default.yaml";
}

static int run(const struct options *opts, struct fleet *fleet)
{
    int64_t now_ms = exporter_now_ms();
    uint64_t seed = opts->seed_set ? opts->seed : (fleet->seed_set ? fleet->seed : DEFAULT_SEED);
    int64_t start_ms = opts->start_ms;
    if (!opts->start_set) {
        /* Tick boundaries on multiples of the tick since the epoch: tidy timestamps. */
        start_ms = now_ms - now_ms % (int64_t)fleet->tick_ms;
    } else if (start_ms > now_ms) {
        fprintf(stderr,
                "switchsim: error: --start-time is in the future; timestamps must not be\n");
        return 2;
    }
    struct sim *sim = sim_new(fleet, seed, start_ms);
    uint64_t catch_up = sim_tick_at(sim, now_ms);
    if (catch_up * (fleet->n_ports ? fleet->n_ports : 1) > CATCH_UP_NOTICE_PORT_TICKS)
        log_info("catching up from --start-time", "ticks=%llu ports=%zu",
                 (unsigned long long)catch_up, fleet->n_ports);
    sim_advance_to(sim, catch_up);

    struct build_info build = {SWITCHSIM_VERSION, SWITCHSIM_REVISION};
    struct collectors *collectors = collectors_new(fleet, &build, now_ms, opts->port_families);
    struct registry reg;
    registry_init(&reg);
    collectors_register(collectors, &reg);
    struct exporter *exporter = exporter_new(sim, &reg, opts->timestamps);

    int rc = 0;
    struct errbuf err;
    struct http_options http_opts = {
        .host = opts->listen_host, .port = opts->listen_port, .version = SWITCHSIM_VERSION};
    struct http_server *srv = NULL;
    if (exporter_start_ticker(exporter, &err) < 0 ||
        !(srv = http_start(&http_opts, exporter, fleet, &err))) {
        fprintf(stderr, "switchsim: error: %s\n", err.msg);
        rc = 1;
        goto out;
    }
    log_info("Starting switchsim",
             "version=%s revision=%s devices=%zu ports=%zu seed=%llu "
             "tick_ms=%llu timestamps=%s",
             SWITCHSIM_VERSION, SWITCHSIM_REVISION, fleet->n_devices, fleet->n_ports,
             (unsigned long long)seed, (unsigned long long)fleet->tick_ms,
             opts->timestamps ? "true" : "false");
    log_info("Listening on", "address=%s:%u", opts->listen_host, (unsigned)http_port(srv));

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    int sig = 0;
    while (sigwait(&stop_signals, &sig) != 0) {
    }
    log_info("Shutting down", "signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
out:
    http_stop(srv);
    exporter_free(exporter);
    collectors_free(collectors);
    sim_free(sim);
    return rc;
}

int main(int argc, char **argv)
{
    /* Block the stop signals before any thread exists so every thread inherits the
     * mask and only sigwait() in run() sees them: no work in signal handlers. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct options opts;
    struct errbuf err;
    if (cli_parse(argc, argv, &opts, &err) < 0) {
        fprintf(stderr, "switchsim: error: %s\n\n", err.msg);
        cli_usage(stderr);
        return 2;
    }
    if (opts.show_help) {
        cli_usage(stdout);
        return 0;
    }
    if (opts.show_version) {
        printf("switchsim, version %s (revision: %s)\n", SWITCHSIM_VERSION, SWITCHSIM_REVISION);
        return 0;
    }
    log_set_level(opts.log_level);

    const char *fallback[1];
    const char *const *paths = opts.profiles;
    size_t n_paths = opts.n_profiles;
    if (n_paths == 0) {
        fallback[0] = default_profile();
        paths = fallback;
        n_paths = 1;
    }
    struct fleet *fleet = NULL;
    const struct profile_budget budget = {
        .series_per_port = MODEL_SERIES_PER_PORT,
        .series_per_device = MODEL_SERIES_PER_DEVICE,
        .fixed_series = MODEL_SELF_SERIES,
        .max_series = SWITCHSIM_MAX_SERIES,
        .port_fixed_bytes = MODEL_PORT_FIXED_BYTES,
        .device_fixed_bytes = MODEL_DEVICE_FIXED_BYTES,
        .fixed_body_bytes = MODEL_FIXED_BODY_BYTES,
        .port_attr_series = 1,
        .device_attr_series = 1,
        .label_overhead_bytes = MODEL_LABEL_OVERHEAD_BYTES,
        .max_label_bytes = SWITCHSIM_MAX_LABEL_BYTES,
        .max_body_bytes = EXPORTER_MAX_BODY_BYTES,
    };
    if (profile_load(paths, n_paths, &budget, &fleet, &err) < 0) {
        fprintf(stderr, "switchsim: error: %s\n", err.msg);
        return 2;
    }
    if (opts.check_config) {
        printf("switchsim: profiles OK: %zu devices, %zu ports, %llu series\n", fleet->n_devices,
               fleet->n_ports,
               (unsigned long long)collectors_series_count(fleet, opts.port_families));
        fleet_free(fleet);
        return 0;
    }
    int rc = run(&opts, fleet);
    fleet_free(fleet);
    return rc;
}
