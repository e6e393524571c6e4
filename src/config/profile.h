/* profile.h - YAML device profiles -> struct fleet.
 *
 * The only module that uses libyaml. Loading is all-or-nothing: on any error the
 * partly built fleet is freed, *out is untouched and err holds one line of the form
 * "FILE:LINE:COLUMN: WHERE: WHAT" (1-based line and column, as editors count),
 * or "FILE: WHAT" when no position applies (unreadable file, empty profile).
 * The schema is documented in docs/PROFILES.md. */
#ifndef SWITCHSIM_PROFILE_H
#define SWITCHSIM_PROFILE_H

#include <stddef.h>

#include "base/errbuf.h"
#include "model/model.h"

/* Loads every path into one fleet. A path is a file, or a directory whose *.yaml and
 * *.yml files are loaded in name order. Device names must be unique across all. */
int profile_load(const char *const *paths, size_t n_paths, struct fleet **out, struct errbuf *err);

#endif /* SWITCHSIM_PROFILE_H */
