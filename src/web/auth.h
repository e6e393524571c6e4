/* auth.h - HTTP basic authentication against the web config's bcrypt hashes, verified by
 * the system's crypt_r(3) (libcrypt; the only user of crypt.h). Thread-safe. */
#ifndef SWITCHSIM_AUTH_H
#define SWITCHSIM_AUTH_H

#include "config/webconfig.h"

/* 1 when user and password match one of cfg's users, else 0 (NULL user or password: 0).
 * bcrypt is slow on purpose (tens of ms at cost 10): each request pays it once. */
int auth_basic_ok(const struct web_config *cfg, const char *user, const char *password);

#endif /* SWITCHSIM_AUTH_H */
