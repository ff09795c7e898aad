// How evenly N connections in one loop were served, as both many-connections reports (clients and servers)
// give it: the echoes of the connection served least, of the tenth percentile and of the median one.
import { median, nearestRank } from '../median.ts';

export interface PerConnection {
  /** Echoes in the measured window of the connection that got the fewest. */
  minPerConnection: number;
  /** The 10th percentile: a tenth of the connections got this many or fewer. */
  p10PerConnection: number;
  medianPerConnection: number;
}

/** The figures from each connection's echo count. */
export function perConnection(counts: ArrayLike<number>): PerConnection {
  let fewest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < counts.length; i++) fewest = Math.min(fewest, counts[i]);
  return {
    minPerConnection: fewest,
    p10PerConnection: nearestRank(counts, 0.1),
    medianPerConnection: median(counts),
  };
}

export const PER_CONNECTION_HEADER = 'per conn: fewest/p10/median';

export const perConnectionCell = (f: PerConnection): string =>
  `${f.minPerConnection} / ${f.p10PerConnection} / ${f.medianPerConnection}`;

/** What the table's figures mean where they show unfair scheduling (medians over rounds; null: failed). */
export function perConnectionNotes(figures: (PerConnection | null)[]): string[] {
  const notes: string[] = [];
  if (figures.some((f) => f && f.minPerConnection === 0))
    notes.push(
      'per conn: 0 means a connection got no echo in the measured window while others looped (unfair scheduling)',
    );
  if (figures.some((f) => f && f.p10PerConnection < f.medianPerConnection / 4))
    notes.push('per conn: a p10 under a quarter of the median means a tenth of the connections were served far less');
  return notes;
}
