// The issues' targets, per runtime, size and transport, as ratios within one run: issue 15's for our
// low-latency client (`wasm-ws`), issue 16's for our server (`ours`, per driver). Each is met or MISS, or
// "beyond the floor" where a missed target asks for more than the runtime's floor did in the same run.
// The floor sends a pre-built frame and reads only headers; a client or server, which must also mask,
// copy and deliver, cannot outrun it, so such a target is out of reach on that runtime whatever the
// library does, and the floor's figure is the evidence.
import { fmtUs } from './table.ts';
import { beastMeasurement, type Measurement } from './measurements.ts';

export type Verdict = 'met' | 'MISS' | 'beyond the floor';

export interface RoundRatios {
  min: number;
  max: number;
  /** Rounds in which the ratio met the target, of `of`. */
  met: number;
  of: number;
}

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
  /**
   * The same ratio round by round (ours against the reference measured in the same round): lowest,
   * highest, and in how many of the rounds the target was met. How far this machine's noise spreads
   * it: a MISS met in no round is a gap, one met in some rounds may be noise. Null unless both have
   * every round.
   */
  rounds: RoundRatios | null;
  /**
   * CPU time per round trip in µs, ours and the reference's (the clients' own; with --servers the servers'
   * per echo), when both reported one: how much more work ours does, within the machine's spread (on a
   * busy host the same work takes longer too). Absent for p99.
   */
  cpu?: { ours: number; reference: number } | null;
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

/**
 * Round i's ratio of `ours` to `reference`, lowest and highest, when both have a figure for every round
 * (rounds run the clients one after another, so round i's two figures were measured minutes apart at most).
 */
function pairedRatios(ours: number[], reference: number[], meets: (ratio: number) => boolean): RoundRatios | null {
  if (ours.length === 0 || ours.length !== reference.length) return null;
  const ratios = ours.map((x, i) => x / reference[i]);
  return {
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    met: ratios.filter(meets).length,
    of: ratios.length,
  };
}

const roundsOf = (m: Measurement) => (m.failures.length === 0 ? m.rounds : []);
const p99sOf = (m: Measurement) =>
  m.failures.length === 0 && m.latencies?.every((l) => l !== null) ? m.latencies.map((l) => l!.p99) : [];

/** A check of `ours` against a reference (when the run has one), judged with the floor's figure, into `checks`. */
function checker(checks: TargetCheck[], ours: Measurement, floor: Measurement | null) {
  return (target: string, reference: Measurement | null | undefined, limit: number): void => {
    if (reference) checks.push(judge(ours, target, reference, limit, floor?.median ?? null));
  };
}

/** Every target that the run has the figures for. */
export function checkTargets(all: Measurement[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const ours of all.filter((m) => m.client === OURS && m.median !== null)) {
    const { runtime, size, tls } = ours;
    const peer = peersOf(all, ours);
    const floor = peer('floor') ?? null;
    const check = checker(checks, ours, floor);
    check(`≥ ${FLOOR_RATIO}× floor`, floor, FLOOR_RATIO);
    const native = peer('native');
    const nativeLimit = size <= 256 ? 1.0 : 1.3;
    check(`≥ ${nativeLimit.toFixed(1)}× native`, native, nativeLimit);
    check('≥ 1.2× ws + bufferutil', peer('ws-bufferutil'), 1.2);
    if (size > 256)
      check(
        '≥ 1.0× Beast',
        beastMeasurement(
          all.filter((m) => m.tls === tls),
          size,
        ),
        1.0,
      );
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
        rounds: pairedRatios(p99sOf(ours), p99sOf(native), (r) => r <= 1),
      });
    }
  }
  return checks;
}

/**
 * A requests-per-second target, ours against `reference`: met, or a MISS, or beyond the floor when
 * `limit ×` the reference is more than the floor did.
 */
function judge(
  ours: Measurement,
  target: string,
  reference: Measurement,
  limit: number,
  floor: number | null,
): TargetCheck {
  const ratio = ours.median! / reference.median!;
  const verdict: Verdict =
    ratio >= limit ? 'met' : floor !== null && limit * reference.median! > floor ? 'beyond the floor' : 'MISS';
  const { runtime, size, tls, driver } = ours;
  return {
    runtime,
    ...(driver ? { driver } : {}),
    size,
    tls,
    target,
    ours: ours.median!,
    reference: reference.median!,
    ratio,
    verdict,
    floor,
    rounds: pairedRatios(roundsOf(ours), roundsOf(reference), (r) => r >= limit),
    cpu: ours.cpu != null && reference.cpu != null ? { ours: ours.cpu, reference: reference.cpu } : null,
  };
}

/**
 * Issue 16's targets for our server, per driver: ≥ the runtime's native server (`nativeOf`) and ≥ 0.9× the
 * Beast server; and ≥ 0.97× the floor server only where the issue asks for it instead: where the native server
 * is out of reach from JavaScript, faster than the floor server (as Bun.serve's native code is: its own target
 * is then "beyond the floor"), or did not run. The tables give ×F everywhere.
 */
export function checkServerTargets(all: Measurement[], nativeOf: (runtime: string) => string): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const ours of all.filter((m) => m.client === 'ours' && m.median !== null)) {
    const peer = peersOf(all, ours);
    const floor = peer('floor') ?? null;
    const native = peer(nativeOf(ours.runtime));
    const check = checker(checks, ours, floor);
    if (!native || (floor && native.median! > floor.median!)) check(`≥ ${FLOOR_RATIO}× floor`, floor, FLOOR_RATIO);
    check('≥ 1.0× native server', native, 1.0);
    check('≥ 0.9× Beast', peer('beast', 'c++'), 0.9);
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
  const missed = checks.filter((c) => c.verdict === 'MISS');
  const inNoRound = missed.filter((c) => c.rounds !== null && c.rounds.met === 0).length;
  const inSomeRound = missed.filter((c) => c.rounds !== null && c.rounds.met > 0).length;
  const unpaired = missed.length - inNoRound - inSomeRound;
  const out = [
    '',
    `${title}: ${count('met')} met, ${missed.length} missed, ${count('beyond the floor')} beyond the floor (the target asks for more than the runtime's floor did in this run: out of reach there)`,
    `Of the missed: ${inNoRound} met in no round, ${inSomeRound} met in some rounds (ours against the reference of the same round: within this machine's spread)${unpaired ? `, ${unpaired} not paired (a round failed)` : ''}`,
  ];
  for (const c of checks.filter((x) => x.verdict !== 'met')) {
    const where = `${c.runtime} ${c.tls ? 'TLS ' : ''}${c.size} B${c.driver ? ` (${c.driver})` : ''}`;
    const floor = c.floor === null ? '' : `, floor ${fmtFigure(c, c.floor)}`;
    const r = c.rounds;
    const rounds = r === null ? '' : `; by round ${r.min.toFixed(2)}–${r.max.toFixed(2)}×, met in ${r.met} of ${r.of}`;
    const cpu = c.cpu ? `; CPU ${fmtUs(c.cpu.ours)} against ${fmtUs(c.cpu.reference)} µs` : '';
    out.push(
      `  ${c.verdict === 'MISS' ? 'MISS' : 'beyond'}  ${where}: ${c.target}: ours ${fmtFigure(c, c.ours)} against ${fmtFigure(c, c.reference)} (${c.ratio.toFixed(3)}×${floor}${rounds}${cpu})`,
    );
  }
  return out.join('\n');
}
