/* test_webconfig.c - the exporter-toolkit web config file (each refusal with its exact
 * message) and basic authentication against a bcrypt hash made here. */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include <crypt.h>
#include <unistd.h>

#include "config/webconfig.h"
#include "web/auth.h"

static char dir[] = "/tmp/switchsim-webcfg-XXXXXX";

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    write_file("cert.pem", "-----BEGIN CERTIFICATE-----\nnot checked here\n");
    write_file("key.pem", "-----BEGIN PRIVATE KEY-----\nnot checked here\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int load(const char *text, struct web_config **cfg, struct errbuf *err)
{
    write_file("web.yml", text);
    char path[256];
    snprintf(path, sizeof(path), "%s/web.yml", dir);
    return webconfig_load(path, cfg, err);
}

/* A bcrypt hash of password, made with libcrypt (cost 4: fast for a test). */
static char *bcrypt_of(const char *password)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    assert_non_null(crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof(salt)));
    struct crypt_data data;
    memset(&data, 0, sizeof(data));
    const char *h = crypt_r(password, salt, &data);
    assert_non_null(h);
    return strdup(h);
}

static void test_webconfig_good_and_auth(void **state)
{
    (void)state;
    char *hash = bcrypt_of("s3cret");
    char text[512];
    snprintf(text, sizeof(text),
             "tls_server_config:\n  cert_file: %s/cert.pem\n  key_file: %s/key.pem\n"
             "  min_version: TLS13\nbasic_auth_users:\n  alice: %s\n",
             dir, dir, hash);
    struct web_config *cfg = NULL;
    struct errbuf err;
    if (load(text, &cfg, &err) < 0)
        fail_msg("%s", err.msg);
    assert_true(cfg->tls);
    assert_int_equal(cfg->min_version, TLS_VERSION_13);
    assert_int_equal(cfg->max_version, TLS_VERSION_13);
    assert_int_equal(cfg->client_auth, CLIENT_AUTH_NONE);
    assert_non_null(strstr(cfg->cert_pem, "BEGIN CERTIFICATE"));
    assert_int_equal(cfg->n_users, 1);
    assert_true(auth_basic_ok(cfg, "alice", "s3cret"));
    assert_false(auth_basic_ok(cfg, "alice", "s3cret "));
    assert_false(auth_basic_ok(cfg, "alice", ""));
    assert_false(auth_basic_ok(cfg, "bob", "s3cret"));
    assert_false(auth_basic_ok(cfg, NULL, NULL));
    webconfig_free(cfg);
    free(hash);
    /* an empty file: no TLS, no users */
    assert_int_equal(load("", &cfg, &err), 0);
    assert_false(cfg->tls);
    assert_int_equal(cfg->n_users, 0);
    webconfig_free(cfg);
}

static void test_webconfig_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *message; /* after "DIR/" */
    } bad[] = {
        {"tls_server_config:\n  cert_file: a\n  cipher_suites: [x]\n",
         "web.yml:3:3: tls_server_config: unknown key \"cipher_suites\" (expected one of: "
         "cert_file, key_file, client_auth_type, client_ca_file, min_version, max_version)"},
        {"http_server_config: {http2: false}\n",
         "web.yml:1:1: web_config: unknown key \"http_server_config\" (expected one of: "
         "tls_server_config, basic_auth_users)"},
        {"tls_server_config:\n  cert_file: a\n",
         "web.yml:2:3: tls_server_config: missing required key \"key_file\""},
        {"tls_server_config: {cert_file: a, key_file: b, min_version: SSL3}\n",
         "web.yml:1:61: tls_server_config.min_version: expected one of TLS10, TLS11, TLS12, "
         "TLS13, got \"SSL3\""},
        {"basic_auth_users:\n  bob: plain\n",
         "web.yml:2:8: basic_auth_users.bob: expected a bcrypt hash such as $2y$10$..., as "
         "htpasswd -B writes it"},
        {"basic_auth_users:\n  bob: [x]\n",
         "web.yml:2:8: basic_auth_users.bob: expected a scalar, got a list"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct web_config *cfg = NULL;
        struct errbuf err;
        char want[ERRBUF_MSG_BYTES];
        snprintf(want, sizeof(want), "%s/%s", dir, bad[i].message);
        if (load(bad[i].text, &cfg, &err) != -1 || strcmp(err.msg, want) != 0)
            fail_msg("case %zu: got \"%s\"\nwant \"%s\"", i, err.msg, want);
    }
    /* refusals that depend on more than one key, or on the files named */
    char text[512];
    struct web_config *cfg = NULL;
    struct errbuf err;
    snprintf(text, sizeof(text),
             "tls_server_config: {cert_file: %s/cert.pem, key_file: %s/key.pem, "
             "client_auth_type: RequireAndVerifyClientCert}\n",
             dir, dir);
    assert_int_equal(load(text, &cfg, &err), -1);
    assert_non_null(strstr(err.msg, "client_auth_type RequireAndVerifyClientCert needs "
                                    "client_ca_file"));
    snprintf(text, sizeof(text),
             "tls_server_config: {cert_file: %s/nope.pem, key_file: %s/key.pem}\n", dir, dir);
    assert_int_equal(load(text, &cfg, &err), -1);
    assert_non_null(strstr(err.msg, "nope.pem: cannot open: No such file or directory"));
    /* a FIFO (or device) as a PEM file is refused at once: reading it would block forever */
    char fifo[400];
    snprintf(fifo, sizeof(fifo), "%s/fifo.pem", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    snprintf(text, sizeof(text), "tls_server_config: {cert_file: %s, key_file: %s/key.pem}\n", fifo,
             dir);
    assert_int_equal(load(text, &cfg, &err), -1);
    assert_non_null(strstr(err.msg, "fifo.pem: not a regular file"));
    unlink(fifo);
    snprintf(text, sizeof(text),
             "tls_server_config: {cert_file: %s/cert.pem, key_file: %s/key.pem, "
             "min_version: TLS13, max_version: TLS12}\n",
             dir, dir);
    assert_int_equal(load(text, &cfg, &err), -1);
    assert_non_null(strstr(err.msg, "min_version is above max_version"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_webconfig_good_and_auth),
        cmocka_unit_test(test_webconfig_refusals),
    };
    return cmocka_run_group_tests_name("webconfig", tests, setup, teardown);
}
