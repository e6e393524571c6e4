/* budget.h - what the profile loader may let a fleet cost, derived from the metric catalog:
 * series per port and device and the bytes of their sample lines besides the profile's own
 * strings (struct profile_budget, config/profile.h). Derived, never written by hand, so
 * a new family moves the load-time limits with it. */
#ifndef SWITCHSIM_BUDGET_H
#define SWITCHSIM_BUDGET_H

#include <stdint.h>

#include "config/profile.h"

/* Fills *out for a scrape of these catalog rows (metrics/catalog.h), with the hard limits
 * on series, label bytes and body bytes. Upper bounds: timestamps and values are counted
 * at their widest in either format. */
void catalog_budget(uint64_t families, struct profile_budget *out);

#endif /* SWITCHSIM_BUDGET_H */
