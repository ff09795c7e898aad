// The median of a sample, which every report of the benchmark gives: the middle value, or the mean of the
// two middle ones; NaN for an empty sample.
export function median(xs: ArrayLike<number>): number {
  const sorted = Array.from(xs).sort((a, b) => a - b);
  const k = sorted.length;
  return k === 0 ? Number.NaN : k % 2 ? sorted[(k - 1) / 2] : (sorted[k / 2 - 1] + sorted[k / 2]) / 2;
}

// The value a `fraction` of the sample lies at or below (nearest rank, 0 < fraction <= 1); NaN for an
// empty sample.
export function nearestRank(xs: ArrayLike<number>, fraction: number): number {
  const sorted = Array.from(xs).sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)];
}
