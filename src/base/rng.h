/* rng.h - small, seedable, reproducible random numbers (no rand(), no global state).
 *
 * SplitMix64 (Steele, Lea, Flood 2014): one 64-bit word of state per stream, so
 * every port carries its own stream and results do not depend on port order. */
#ifndef SWITCHSIM_RNG_H
#define SWITCHSIM_RNG_H

#include <math.h>
#include <stdint.h>

static inline uint64_t rng_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rng_next(uint64_t *state)
{
    *state += 0x9e3779b97f4a7c15ULL;
    return rng_mix64(*state);
}

/* Uniform in (0, 1]: never 0, so log() of it is finite. */
static inline double rng_uniform(uint64_t *state)
{
    return ((double)(rng_next(state) >> 11) + 1.0) * 0x1.0p-53;
}

/* Two independent standard normal variates (Box-Muller). */
static inline void rng_normal_pair(uint64_t *state, double *z0, double *z1)
{
    double r = sqrt(-2.0 * log(rng_uniform(state)));
    double theta = 6.283185307179586 * rng_uniform(state);
    *z0 = r * cos(theta);
    *z1 = r * sin(theta);
}

/* Exponentially distributed with the given mean. */
static inline double rng_exponential(uint64_t *state, double mean)
{
    return -log(rng_uniform(state)) * mean;
}

/* Hash of a string into a seed (FNV-1a then mixed). */
static inline uint64_t rng_hash_str(uint64_t h, const char *s)
{
    h ^= 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return rng_mix64(h);
}

#endif /* SWITCHSIM_RNG_H */
