// The issues' targets, per runtime, size and transport, as ratios within one run: issue 15's for our
// low-latency client (`wasm-ws`), issue 16's for our server (`ours`, per driver). Each is met or MISS, or
// "beyond the floor" where a missed target asks for more than the runtime's floor did in the same run.
// The floor sends a pre-built frame and reads only headers; a client or server, which must also mask,
// copy and deliver, cannot outrun it, so such a target is out of reach on that runtime whatever the
// library does, and the floor's figure is the evidence.
import { fmtUs } from './table.ts';
import { beastReference, type Measurement } from './measurements.ts';

export type Verdict = 'met' | 'MISS' | 'beyond the floor';

export interface TargetCheck {
  runtime: string;
  /** --servers: the client that drove the server. */
  driver?: string;
  size: number;
  tls: boolean;
  /** What is asked, e.g. "≥ 1.3× native". */
  target: string;
  /** Ours and the reference, in the target's unit: requests per second, or µs for p99. */
  ours: number;
  reference: number;
  ratio: number;
  verdict: Verdict;
  /** The floor's figure in the same unit, when there is one. */
  floor: number | null;
}

const OURS = 'wasm-ws';
const FLOOR_RATIO = 0.97;

/** The run's measurements beside `ours` (same size, transport and driver), by client and runtime. */
function peersOf(all: Measurement[], ours: Measurement) {
  const alike = all.filter(
    (m) => m.size === ours.size && m.tls === ours.tls && m.driver === ours.driver && m.median !== null,
  );
  return (client: string, runtime = ours.runtime) => alike.find((m) => m.client === client && m.runtime === runtime);
}

/** Every target that the run has the figures for. */
export function checkTargets(all: Measurement[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const ours of all.filter((m) => m.client === OURS && m.median !== null)) {
    const { runtime, size, tls } = ours;
    const peer = peersOf(all, ours);
    const floor = peer('floor');
    const floorRps = floor?.median ?? null;
    const check = (target: string, reference: number, limit: number) =>
      checks.push(judge(ours, target, reference, limit, floorRps));
    if (floorRps !== null) check(`≥ ${FLOOR_RATIO}× floor`, floorRps, FLOOR_RATIO);
    const native = peer('native');
    const nativeLimit = size <= 256 ? 1.0 : 1.3;
    if (native) check(`≥ ${nativeLimit.toFixed(1)}× native`, native.median!, nativeLimit);
    const wsBufferutil = peer('ws-bufferutil');
    if (wsBufferutil) check('≥ 1.2× ws + bufferutil', wsBufferutil.median!, 1.2);
    const beast =
      size > 256
        ? beastReference(
            all.filter((m) => m.tls === tls),
            size,
          )
        : null;
    if (beast) check('≥ 1.0× Beast', beast, 1.0);
    // Latency: lower is better; out of reach where the floor's own p99 is above native's.
    if (native?.latency && ours.latency) {
      const floorP99 = floor?.latency?.p99 ?? null;
      const ratio = ours.latency.p99 / native.latency.p99;
      const verdict: Verdict =
        ratio <= 1 ? 'met' : floorP99 !== null && floorP99 > native.latency.p99 ? 'beyond the floor' : 'MISS';
      checks.push({
        runtime,
        size,
        tls,
        target: 'p99 ≤ native p99',
        ours: ours.latency.p99,
        reference: native.latency.p99,
        ratio,
        verdict,
        floor: floorP99,
      });
    }
  }
  return checks;
}

/** A requests-per-second target: met, or a MISS, or beyond the floor when `limit × reference` is more than it did. */
function judge(ours: Measurement, target: string, reference: number, limit: number, floor: number | null): TargetCheck {
  const ratio = ours.median! / reference;
  const verdict: Verdict =
    ratio >= limit ? 'met' : floor !== null && limit * reference > floor ? 'beyond the floor' : 'MISS';
  const { runtime, size, tls, driver } = ours;
  return {
    runtime,
    ...(driver ? { driver } : {}),
    size,
    tls,
    target,
    ours: ours.median!,
    reference,
    ratio,
    verdict,
    floor,
  };
}

/**
 * Issue 16's targets for our server, per driver: ≥ the runtime's native server (`nativeOf`), ≥ 0.9× the
 * Beast server, and ≥ 0.97× the floor server (the issue's target where native is out of reach: a native
 * server faster than the floor is "beyond the floor").
 */
export function checkServerTargets(all: Measurement[], nativeOf: (runtime: string) => string): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const ours of all.filter((m) => m.client === 'ours' && m.median !== null)) {
    const peer = peersOf(all, ours);
    const median = (client: string, runtime?: string) => peer(client, runtime)?.median ?? null;
    const floor = median('floor');
    if (floor !== null) checks.push(judge(ours, `≥ ${FLOOR_RATIO}× floor`, floor, FLOOR_RATIO, floor));
    const native = median(nativeOf(ours.runtime));
    if (native !== null) checks.push(judge(ours, '≥ 1.0× native server', native, 1.0, floor));
    const beast = median('beast', 'c++');
    if (beast !== null) checks.push(judge(ours, '≥ 0.9× Beast', beast, 0.9, floor));
  }
  return checks;
}

const fmtFigure = (c: TargetCheck, n: number) =>
  c.target.startsWith('p99') ? `${fmtUs(n)} µs` : n >= 10000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0);

/** A count of the verdicts, then every target not met, with the floor's figure beside it. `title`: whose targets. */
export function renderTargets(
  checks: TargetCheck[],
  title = "Issue 15's targets for wasm-ws (low-latency API)",
): string {
  if (checks.length === 0) return '';
  const count = (v: Verdict) => checks.filter((c) => c.verdict === v).length;
  const out = [
    '',
    `${title}: ${count('met')} met, ${count('MISS')} missed, ${count('beyond the floor')} beyond the floor (the target asks for more than the runtime's floor did in this run: out of reach there)`,
  ];
  for (const c of checks.filter((x) => x.verdict !== 'met')) {
    const where = `${c.runtime} ${c.tls ? 'TLS ' : ''}${c.size} B${c.driver ? ` (${c.driver})` : ''}`;
    const floor = c.floor === null ? '' : `, floor ${fmtFigure(c, c.floor)}`;
    out.push(
      `  ${c.verdict === 'MISS' ? 'MISS' : 'beyond'}  ${where}: ${c.target}: ours ${fmtFigure(c, c.ours)} against ${fmtFigure(c, c.reference)} (${c.ratio.toFixed(3)}×${floor})`,
    );
  }
  return out.join('\n');
}
