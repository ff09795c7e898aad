// results.json (environment + one record per measurement, each round's latency with it, and the issue's
// targets judged) and results.csv.
// With --servers (`subject` 'server'), the CSV's first column is the server and a driver column follows api.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from '../environment.ts';
import { latencyKeys, type Measurement } from './measurements.ts';
import type { TargetCheck } from './targets.ts';

export function writeResults(
  dir: string,
  environment: Environment,
  options: object,
  measurements: Measurement[],
  subject: 'client' | 'server' = 'client',
  /** The targets, judged (client runs): written to results.json beside the measurements. */
  targets: TargetCheck[] = [],
): void {
  mkdirSync(dir, { recursive: true });
  const servers = subject === 'server';
  // A server's record names it `server`, not `client`.
  const records = servers ? measurements.map(({ client, ...m }) => ({ server: client, ...m })) : measurements;
  writeFileSync(
    join(dir, 'results.json'),
    `${JSON.stringify({ environment, options, measurements: records, ...(targets.length ? { targets } : {}) }, null, 2)}\n`,
  );
  // Latency: per percentile the median over rounds, in µs; cpu_us: the median CPU time per round trip (the
  // client's; with --servers the server's per echo). Empty when none was reported.
  const header = [
    `${subject},runtime,api,${servers ? 'driver,' : ''}size,tls,median_rps,min_rps,max_rps`,
    ...latencyKeys.map((k) => `${k}_us`),
    'cpu_us,rounds,failures',
  ].join(',');
  const rows = measurements.map((m) =>
    [
      m.client,
      m.runtime,
      m.api,
      ...(servers ? [m.driver ?? ''] : []),
      m.size,
      m.tls,
      m.median?.toFixed(1) ?? '',
      m.min?.toFixed(1) ?? '',
      m.max?.toFixed(1) ?? '',
      ...latencyKeys.map((k) => (m.latency ? m.latency[k].toFixed(1) : '')),
      m.cpu === null || m.cpu === undefined ? '' : m.cpu.toFixed(1),
      m.rounds.map((r) => r.toFixed(1)).join(' '),
      JSON.stringify(m.failures.join(' | ')),
    ].join(','),
  );
  writeFileSync(join(dir, 'results.csv'), `${[header, ...rows].join('\n')}\n`);
}
