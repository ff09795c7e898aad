// results.json (environment + one record per measurement) and results.csv.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from '../environment.ts';
import type { Measurement } from './measurements.ts';

export function writeResults(
  dir: string,
  environment: Environment,
  options: object,
  measurements: Measurement[],
): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify({ environment, options, measurements }, null, 2)}\n`);
  const header = 'client,runtime,api,size,tls,median_rps,min_rps,max_rps,rounds,failures';
  const rows = measurements.map((m) =>
    [
      m.client,
      m.runtime,
      m.api,
      m.size,
      m.tls,
      m.median?.toFixed(1) ?? '',
      m.min?.toFixed(1) ?? '',
      m.max?.toFixed(1) ?? '',
      m.rounds.map((r) => r.toFixed(1)).join(' '),
      JSON.stringify(m.failures.join(' | ')),
    ].join(','),
  );
  writeFileSync(join(dir, 'results.csv'), `${[header, ...rows].join('\n')}\n`);
}
