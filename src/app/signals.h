/* signals.h - one thread owns the process's signals, from the first moment to the last.
 *
 * signals_start() blocks SIGINT, SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 in the calling
 * thread, so every thread created after it inherits the mask, and starts the thread that
 * sigwait()s for them. No work is done in a signal handler.
 *
 * - SIGINT/SIGTERM while starting (loading profiles, catching up from --start-time, binding
 *   the port): logged, then the process ends at once, killed by that signal (the default
 *   action): a slow or hanging start can always be stopped.
 * - SIGINT/SIGTERM once signals_running() was called: signals_wait_stop() returns it to the
 *   main thread for an orderly shutdown (exit 0). A second one while shutting down ends the
 *   process at once, as above.
 * - SIGHUP once signals_running() was called: calls the reload hook (signals_on_reload),
 *   on the signal thread; before that, or without a hook, logged and ignored.
 * - SIGUSR1, SIGUSR2: logged as ignored; the process keeps running.
 *
 * Call signals_start() once, from the main thread, before creating any thread and after the
 * logger is configured; then signals_running(), signals_wait_stop() and signals_stop() from
 * that same thread. Not re-entrant. */
#ifndef SWITCHSIM_SIGNALS_H
#define SWITCHSIM_SIGNALS_H

#include "base/errbuf.h"

/* Returns 0, or -1 with err if the thread cannot be created. */
int signals_start(struct errbuf *err);
/* Start-up is over: from now on a stop signal is handed to signals_wait_stop(). */
void signals_running(void);
/* Sets what SIGHUP does once running: fn(ctx) on the signal thread. Call before
 * signals_running(). */
void signals_on_reload(void (*fn)(void *ctx), void *ctx);
/* Blocks until SIGINT or SIGTERM arrives after signals_running(); returns the signal. */
int signals_wait_stop(void);
/* Ends and joins the signal thread; the signals stay blocked. Safe if never started. */
void signals_stop(void);
/* "SIGTERM" for SIGTERM, ...; "signal" for one this module does not handle. */
const char *signals_name(int sig);

#endif /* SWITCHSIM_SIGNALS_H */
