/* webconfig.c - exporter-toolkit web configuration (see webconfig.h). */
#include "config/webconfig.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/xalloc.h"
#include "config/schema.h"
#include "config/yaml.h"

#define WEBCONFIG_MAX_FILE_BYTES (1u << 20)
#define PEM_MAX_BYTES            (1u << 20)
#define MAX_USERS                1000

static const char *const tls_versions[] = {"TLS10", "TLS11", "TLS12", "TLS13", NULL};
/* exporter-toolkit's names; the two switchsim implements (others are refused by name). */
static const char *const client_auths[] = {"NoClientCert", "RequireAndVerifyClientCert", NULL};

static const struct skey tls_keys[] = {{.name = "cert_file",
                                        .kind = SKIND_TEXT,
                                        .required = 1,
                                        .max_bytes = 4096,
                                        .offset = offsetof(struct web_config, cert_file),
                                        .doc = "PEM server certificate"},
                                       {.name = "key_file",
                                        .kind = SKIND_TEXT,
                                        .required = 1,
                                        .max_bytes = 4096,
                                        .offset = offsetof(struct web_config, key_file),
                                        .doc = "PEM private key"},
                                       {.name = "client_auth_type",
                                        .kind = SKIND_ENUM,
                                        .choices = client_auths,
                                        .has_default = 1,
                                        .def_enum = CLIENT_AUTH_NONE,
                                        .offset = offsetof(struct web_config, client_auth),
                                        .doc = "client certificates"},
                                       {.name = "client_ca_file",
                                        .kind = SKIND_TEXT,
                                        .max_bytes = 4096,
                                        .offset = offsetof(struct web_config, client_ca_file),
                                        .doc = "PEM CA for client certs"},
                                       {.name = "min_version",
                                        .kind = SKIND_ENUM,
                                        .choices = tls_versions,
                                        .has_default = 1,
                                        .def_enum = TLS_VERSION_12,
                                        .offset = offsetof(struct web_config, min_version),
                                        .doc = "lowest TLS version"},
                                       {.name = "max_version",
                                        .kind = SKIND_ENUM,
                                        .choices = tls_versions,
                                        .has_default = 1,
                                        .def_enum = TLS_VERSION_13,
                                        .offset = offsetof(struct web_config, max_version),
                                        .doc = "highest TLS version"},
                                       {0}};

static const struct skey web_keys[] = {{.name = "tls_server_config",
                                        .kind = SKIND_MAPPING,
                                        .offset = 0,
                                        .sub = tls_keys,
                                        .doc = "serve HTTPS"},
                                       {.name = "basic_auth_users",
                                        .kind = SKIND_MAPPING,
                                        .offset = offsetof(struct web_config, users),
                                        .doc = "user: bcrypt hash"},
                                       {0}};

void webconfig_free(struct web_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->cert_pem);
    free(cfg->key_pem);
    free(cfg->client_ca_pem);
    free(cfg->users);
    yfile_free(cfg->file);
    free(cfg);
}

/* The whole file at path (relative paths as given: from the working directory); a regular
 * file only, so a FIFO or device never blocks the start. */
static int read_pem(const char *path, char **out, struct errbuf *err)
{
    size_t len = 0;
    if (file_read_regular(path, PEM_MAX_BYTES, out, &len, err) < 0)
        return -1;
    if (len == 0) {
        free(*out);
        *out = NULL;
        return errbuf_set(err, "%s: empty file", path);
    }
    return 0;
}

static int read_users(struct web_config *cfg, const struct ynode *users, struct errbuf *err)
{
    if (ymap_check(err, users, "basic_auth_users", NULL) < 0)
        return -1;
    if (users->n > MAX_USERS)
        return yfail(err, users, "basic_auth_users", "more than %d users", MAX_USERS);
    cfg->users = xcalloc(users->n ? users->n : 1, sizeof(*cfg->users));
    for (size_t i = 0; i < users->n; i++) {
        const struct ynode *k = users->pairs[i].key, *v = users->pairs[i].value;
        char w[YWHERE_BYTES];
        ywhere_key(w, "basic_auth_users", k->text);
        if (yexpect(err, v, YNODE_SCALAR, w) < 0)
            return -1;
        if (strncmp(v->text, "$2", 2) != 0 || v->len < 59)
            return yfail(err, v, w,
                         "expected a bcrypt hash such as $2y$10$..., as htpasswd -B "
                         "writes it");
        cfg->users[cfg->n_users++] = (struct web_user){k->text, v->text};
    }
    return 0;
}

static int read_tls(struct web_config *cfg, const struct ynode *tls, struct errbuf *err)
{
    if (cfg->min_version > cfg->max_version)
        return yfail(err, tls, "tls_server_config", "min_version is above max_version");
    if (cfg->client_auth == CLIENT_AUTH_REQUIRE_AND_VERIFY && !cfg->client_ca_file)
        return yfail(err, tls, "tls_server_config",
                     "client_auth_type RequireAndVerifyClientCert needs client_ca_file");
    if (read_pem(cfg->cert_file, &cfg->cert_pem, err) < 0 ||
        read_pem(cfg->key_file, &cfg->key_pem, err) < 0 ||
        (cfg->client_ca_file && read_pem(cfg->client_ca_file, &cfg->client_ca_pem, err) < 0))
        return -1;
    cfg->tls = 1;
    return 0;
}

int webconfig_load(const char *path, struct web_config **out, struct errbuf *err)
{
    static const struct yload_limits limits = {
        .max_file_bytes = WEBCONFIG_MAX_FILE_BYTES, .max_depth = 8, .max_nodes = 100000};
    struct web_config *cfg = xcalloc(1, sizeof(*cfg));
    if (yfile_load(path, &limits, &cfg->file, err) < 0) {
        webconfig_free(cfg);
        return -1;
    }
    schema_defaults(tls_keys, cfg);
    struct schema_ctx ctx = {.err = err};
    const struct ynode *root = yfile_root(cfg->file);
    const struct ynode *users = NULL;
    cfg->users = NULL;
    int rc = 0;
    if (root) {
        rc = schema_check(&ctx, root, "web_config", web_keys);
        const struct ynode *tls = rc == 0 ? ymap_get(root, "tls_server_config") : NULL;
        if (rc == 0 && tls)
            rc = schema_apply(&ctx, tls, "tls_server_config", tls_keys, cfg);
        if (rc == 0 && tls)
            rc = read_tls(cfg, tls, err);
        users = rc == 0 ? ymap_get(root, "basic_auth_users") : NULL;
        if (rc == 0 && users)
            rc = read_users(cfg, users, err);
    }
    if (rc < 0) {
        webconfig_free(cfg);
        return -1;
    }
    *out = cfg;
    return 0;
}
