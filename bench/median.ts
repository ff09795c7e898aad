// The median of a sample, which every report of the benchmark gives: the middle value, or the mean of the
// two middle ones; NaN for an empty sample.
export function median(xs: ArrayLike<number>): number {
  const sorted = Array.from(xs).sort((a, b) => a - b);
  const k = sorted.length;
  return k === 0 ? Number.NaN : k % 2 ? sorted[(k - 1) / 2] : (sorted[k / 2 - 1] + sorted[k / 2]) / 2;
}
