/* pages.h - the human and machine pages besides the expositions: the landing page, the
 * resolved configuration (/config) and the Prometheus http_sd target list (/sd).
 *
 * Pure functions of a world (read through a reference the caller holds) and of static
 * facts about the process; no libmicrohttpd. Each returns a malloc'd, NUL-terminated body
 * the caller frees, and its length in *len; or NULL if the page would exceed 64 MiB. */
#ifndef SWITCHSIM_PAGES_H
#define SWITCHSIM_PAGES_H

#include <stddef.h>

#include "serve/exporter.h"
#include "serve/world.h"

/* Facts about the process the pages show; strings borrowed for the process's life. */
struct page_info {
    const char *version;
    const char *revision;
    const char *const *profiles; /* profile paths as given (or the default one) */
    size_t n_profiles;
    int lifecycle; /* POST /-/reload enabled */
};

/* The landing page shows at most this many devices, and /config this many. */
#define PAGES_MAX_DEVICES 50

char *pages_landing(const struct world *w, const struct exporter_options *eo,
                    const struct page_info *info, size_t *len);
/* The loaded profiles as resolved (templates, port groups and overrides applied), in YAML. */
char *pages_config(const struct world *w, const struct exporter_options *eo, size_t *len);
/* A JSON list for Prometheus's http_sd_configs: one target group per device, scraped at
 * `address` (HOST:PORT) on /probe?target=DEVICE, with instance = the device's name and its
 * vendor, model and profile labels as __meta_switchsim_* labels for relabeling. */
char *pages_sd(const struct world *w, const char *address, size_t *len);

#endif /* SWITCHSIM_PAGES_H */
