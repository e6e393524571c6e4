/* webconfig.h - the Prometheus exporter-toolkit web configuration file (--web.config.file):
 * tls_server_config and basic_auth_users, read through the YAML layer with the same
 * FILE:LINE:COLUMN errors as profiles. The keys switchsim does not implement (cipher_suites,
 * curve_preferences, http_server_config, ...) are refused as unknown rather than ignored.
 *
 * Ownership: webconfig_load() returns a config the caller frees with webconfig_free(); the
 * PEM file contents are read at load time, so a started server needs no file access. */
#ifndef SWITCHSIM_WEBCONFIG_H
#define SWITCHSIM_WEBCONFIG_H

#include <stddef.h>

#include "base/errbuf.h"

enum tls_version { TLS_VERSION_10, TLS_VERSION_11, TLS_VERSION_12, TLS_VERSION_13 };
enum client_auth { CLIENT_AUTH_NONE, CLIENT_AUTH_REQUIRE_AND_VERIFY };

struct web_user {
    const char *name;
    const char *hash; /* crypt(3) hash, bcrypt ($2y$/$2b$/$2a$) */
};

struct web_config {
    int tls; /* a tls_server_config was given */
    const char *cert_file, *key_file, *client_ca_file;
    char *cert_pem, *key_pem, *client_ca_pem; /* contents; client_ca_pem NULL without a CA */
    int client_auth;                          /* enum client_auth */
    int min_version, max_version;             /* enum tls_version */
    struct web_user *users;
    size_t n_users;
    struct yfile *file; /* owns the strings above */
};

/* Returns 0 and *out, or -1 with "FILE:LINE:COLUMN: where: what" (or "FILE: what"). */
int webconfig_load(const char *path, struct web_config **out, struct errbuf *err);
void webconfig_free(struct web_config *cfg); /* NULL is a no-op */

#endif /* SWITCHSIM_WEBCONFIG_H */
