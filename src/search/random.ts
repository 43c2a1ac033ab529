import { createHash } from "node:crypto";

/** A pseudo-random source in [0, 1). */
export type Random = () => number;

/**
 * The search's own deterministic PRNG (mulberry32), seeded from a hash of the run's seed and a
 * salt (task id and round): the same seed gives the same decisions on every run and resume,
 * whatever the scheduling.
 */
export function searchRandom(seed: number, salt: string): Random {
  let state = createHash("sha256").update(`${seed}\0${salt}`).digest().readUInt32BE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A draw from Beta(a, b) for whole a, b >= 1: the a-th smallest of a + b - 1 uniform draws
 * (an order statistic, exact for integer parameters; the counts here are small).
 */
export function betaSample(random: Random, a: number, b: number): number {
  const draws = Array.from({ length: a + b - 1 }, () => random()).sort((x, y) => x - y);
  return draws[a - 1] as number;
}
