/**
 * Wilson score interval for a binomial proportion (successes out of visits). Used to tell a
 * thinly visited node's score (1 of 1) from a well supported one (30 of 30): the interval of
 * the first spans most of [0, 1].
 */

/** The z value of a two-sided normal interval at `level` (e.g. 0.95 -> 1.95996). */
export function zForConfidence(level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must lie in (0, 1), got ${level}`);
  return inverseNormalCdf(1 - (1 - level) / 2);
}

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative error below
 * 1.2e-9), enough for confidence levels.
 */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must lie in (0, 1), got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const poly = (k: number[], x: number) => k.reduce((acc, v) => acc * x + v, 0);
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(c, q) / (poly(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

/** A closed interval [low, high] within [0, 1]. */
export type Interval = [low: number, high: number];

/** The z of the default 95% interval. */
export const Z95 = zForConfidence(0.95);

/**
 * Wilson score interval of `successes / visits` at normal quantile `z` (default 95%).
 * With no visits nothing is known: [0, 1].
 */
export function wilsonInterval(successes: number, visits: number, z: number = Z95): Interval {
  if (visits <= 0) return [0, 1];
  if (successes < 0 || successes > visits)
    throw new RangeError(`successes ${successes} not within 0..${visits}`);
  const p = successes / visits;
  const z2 = z * z;
  const denominator = 1 + z2 / visits;
  const centre = (p + z2 / (2 * visits)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / visits + z2 / (4 * visits * visits))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** True when the two intervals share no point. */
export function intervalsDisjoint(a: Interval, b: Interval): boolean {
  return a[1] < b[0] || b[1] < a[0];
}
