// One record per client, runtime and size: the figure of every round, and their median and spread.
export interface Measurement {
  client: string;
  label: string;
  runtime: string;
  api: string;
  size: number;
  tls: boolean;
  rounds: number[];
  median: number | null;
  min: number | null;
  max: number | null;
  failures: string[];
}

export function summarize(m: Measurement): void {
  const sorted = [...m.rounds].sort((a, b) => a - b);
  const n = sorted.length;
  m.median = n === 0 ? null : n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  m.min = n === 0 ? null : sorted[0];
  m.max = n === 0 ? null : sorted[n - 1];
}

/** The reference for "× Beast": the faster of the two Beast clients. */
export function beastReference(all: Measurement[], size: number): number | null {
  const medians = all.filter((m) => m.size === size && m.runtime === 'c++' && m.median !== null).map((m) => m.median!);
  return medians.length ? Math.max(...medians) : null;
}

export function nativeReference(all: Measurement[], size: number, runtime: string): number | null {
  return all.find((m) => m.size === size && m.runtime === runtime && m.client === 'native')?.median ?? null;
}
