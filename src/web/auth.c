/* auth.c - basic authentication with crypt_r (see auth.h). */
#include "web/auth.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Compares all of both strings' bytes whatever they hold, so the time says nothing of
 * where they differ. */
static int same_text(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < la && i < lb; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

int auth_basic_ok(const struct web_config *cfg, const char *user, const char *password)
{
    if (!user || !password)
        return 0;
    const char *hash = NULL;
    for (size_t i = 0; i < cfg->n_users; i++)
        if (strcmp(cfg->users[i].name, user) == 0)
            hash = cfg->users[i].hash;
    if (!hash)
        return 0;
    struct crypt_data *data = xcalloc(1, sizeof(*data)); /* about 32 KiB: not on a stack */
    const char *got = crypt_r(password, hash, data);
    int ok = got && got[0] != '*' && same_text(got, hash);
    free(data);
    return ok;
}
