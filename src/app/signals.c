/* signals.c - the signal thread (contract in signals.h). */
#include "app/signals.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

enum phase { PHASE_STARTING, PHASE_RUNNING, PHASE_STOPPING };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_requested = PTHREAD_COND_INITIALIZER;
static enum phase phase = PHASE_STARTING; /* under lock */
static int stop_signal;                   /* under lock; 0 = none yet */
static pthread_t thread;
static int thread_started;

static const int handled[] = {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};

const char *signals_name(int sig)
{
    switch (sig) {
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    case SIGHUP:
        return "SIGHUP";
    case SIGUSR1:
        return "SIGUSR1";
    case SIGUSR2:
        return "SIGUSR2";
    default:
        return "signal";
    }
}

static void handled_set(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
        sigaddset(set, handled[i]);
}

/* Ends the process the way the signal's default action would, so the parent sees it. */
static void die_by(int sig)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    pthread_sigmask(SIG_UNBLOCK, &one, NULL);
    raise(sig);
    _exit(128 + sig); /* not reached: the default action of SIGINT/SIGTERM ends the process */
}

static void on_stop_signal(int sig)
{
    pthread_mutex_lock(&lock);
    enum phase now = phase;
    if (now == PHASE_RUNNING) {
        phase = PHASE_STOPPING;
        stop_signal = sig;
        pthread_cond_broadcast(&stop_requested);
    }
    pthread_mutex_unlock(&lock);
    if (now == PHASE_STARTING) {
        log_warn("Stopped during start-up", LOG_STR("signal", signals_name(sig)));
        die_by(sig);
    }
    if (now == PHASE_STOPPING) {
        log_warn("Second stop signal during shutdown, exiting at once",
                 LOG_STR("signal", signals_name(sig)));
        die_by(sig);
    }
}

static void (*reload_fn)(void *ctx); /* set before running, read by the signal thread */
static void *reload_ctx;

void signals_on_reload(void (*fn)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&lock);
    reload_fn = fn;
    reload_ctx = ctx;
    pthread_mutex_unlock(&lock);
}

static void on_reload_signal(int sig)
{
    pthread_mutex_lock(&lock);
    void (*fn)(void *) = phase == PHASE_RUNNING ? reload_fn : NULL;
    void *ctx = reload_ctx;
    pthread_mutex_unlock(&lock);
    if (fn)
        fn(ctx);
    else
        log_warn("Not serving yet, SIGHUP ignored", LOG_STR("signal", signals_name(sig)));
}

static void *signal_thread(void *arg)
{
    (void)arg;
    sigset_t set;
    handled_set(&set);
    /* Cancellation (signals_stop) only inside sigwait, never while logging under a lock. */
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    for (;;) {
        int sig = 0;
        pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
        int rc = sigwait(&set, &sig);
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
        if (rc != 0)
            continue;
        switch (sig) {
        case SIGINT:
        case SIGTERM:
            on_stop_signal(sig);
            break;
        case SIGHUP:
            on_reload_signal(sig);
            break;
        default:
            log_info("Signal ignored", LOG_STR("signal", signals_name(sig)));
            break;
        }
    }
    return NULL;
}

int signals_start(struct errbuf *err)
{
    sigset_t set;
    handled_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    int rc = pthread_create(&thread, NULL, signal_thread, NULL);
    if (rc != 0)
        return errbuf_set(err, "cannot start the signal thread: %s", strerror(rc));
    thread_started = 1;
    return 0;
}

void signals_running(void)
{
    pthread_mutex_lock(&lock);
    if (phase == PHASE_STARTING)
        phase = PHASE_RUNNING;
    pthread_mutex_unlock(&lock);
}

int signals_wait_stop(void)
{
    pthread_mutex_lock(&lock);
    while (stop_signal == 0)
        pthread_cond_wait(&stop_requested, &lock);
    int sig = stop_signal;
    pthread_mutex_unlock(&lock);
    return sig;
}

void signals_stop(void)
{
    if (!thread_started)
        return;
    pthread_cancel(thread);
    pthread_join(thread, NULL);
    thread_started = 0;
}
