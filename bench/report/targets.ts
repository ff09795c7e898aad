// Issue 15's targets for our low-latency client (`wasm-ws`), per runtime, size and transport, as ratios
// within one run: met or MISS, or "beyond the floor" where a missed target asks for more than the
// runtime's I/O floor did in the same run. The floor sends a pre-built frame and reads only headers; a
// client, which must also mask, copy and deliver, cannot outrun it, so such a target is out of reach on
// that runtime whatever the client does, and the floor's figure is the evidence.
import { fmtUs } from './table.ts';
import { beastReference, type Measurement } from './measurements.ts';

export type Verdict = 'met' | 'MISS' | 'beyond the floor';

export interface TargetCheck {
  runtime: string;
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

/** Every target that the run has the figures for. */
export function checkTargets(all: Measurement[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const find = (client: string, runtime: string, size: number, tls: boolean) =>
    all.find(
      (m) => m.client === client && m.runtime === runtime && m.size === size && m.tls === tls && m.median !== null,
    );
  for (const ours of all.filter((m) => m.client === OURS && m.median !== null)) {
    const { runtime, size, tls } = ours;
    const floor = find('floor', runtime, size, tls);
    const floorRps = floor?.median ?? null;
    const check = (target: string, reference: number, limit: number) => {
      const ratio = ours.median! / reference;
      const verdict: Verdict =
        ratio >= limit ? 'met' : floorRps !== null && limit * reference > floorRps ? 'beyond the floor' : 'MISS';
      checks.push({ runtime, size, tls, target, ours: ours.median!, reference, ratio, verdict, floor: floorRps });
    };
    if (floorRps !== null) check(`≥ ${FLOOR_RATIO}× floor`, floorRps, FLOOR_RATIO);
    const native = find('native', runtime, size, tls);
    const nativeLimit = size <= 256 ? 1.0 : 1.3;
    if (native) check(`≥ ${nativeLimit.toFixed(1)}× native`, native.median!, nativeLimit);
    const wsBufferutil = find('ws-bufferutil', runtime, size, tls);
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

const fmtFigure = (c: TargetCheck, n: number) =>
  c.target.startsWith('p99') ? `${fmtUs(n)} µs` : n >= 10000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0);

/** A count of the verdicts, then every target not met, with the floor's figure beside it. */
export function renderTargets(checks: TargetCheck[]): string {
  if (checks.length === 0) return '';
  const count = (v: Verdict) => checks.filter((c) => c.verdict === v).length;
  const out = [
    '',
    `Issue 15's targets for wasm-ws (low-latency API): ${count('met')} met, ${count('MISS')} missed, ${count('beyond the floor')} beyond the floor (the target asks for more than the runtime's I/O floor did in this run: out of reach for any client there)`,
  ];
  for (const c of checks.filter((x) => x.verdict !== 'met')) {
    const where = `${c.runtime} ${c.tls ? 'TLS ' : ''}${c.size} B`;
    const floor = c.floor === null ? '' : `, floor ${fmtFigure(c, c.floor)}`;
    out.push(
      `  ${c.verdict === 'MISS' ? 'MISS' : 'beyond'}  ${where}: ${c.target}: ours ${fmtFigure(c, c.ours)} against ${fmtFigure(c, c.reference)} (${c.ratio.toFixed(3)}×${floor})`,
    );
  }
  return out.join('\n');
}
