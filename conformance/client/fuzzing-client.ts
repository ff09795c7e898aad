// The fuzzing client: the conformance cases with the roles swapped, as the Autobahn TestSuite's
// fuzzingclient drives servers with the same case definitions. For each case it opens a raw TCP
// connection to the echo server under test, runs the opening handshake (offering permessage-deflate for
// groups 12 and 13 as Autobahn's client does: the case's `mirror.offer`), and runs the case on a
// client-role `Conn`: every frame it sends is masked with a fresh key, and the server's frames are read
// by ws's Receiver in the client role, so a masked server frame is a malformed frame (FAILED). The
// mirror of the "masked server frame" cases (1.4.2, 1.4.3) sends an unmasked client frame, which the
// server must refuse with 1002. The judges are the fuzzing server's (conformance/server/case.ts); after
// a close handshake they also expect the server to close TCP first (RFC 6455 §7.1.1; NON-STRICT if not).
// Cases whose `mirror.skip` gives a reason do not apply to a server: they are listed, not run.
import {
  Conn,
  DEFAULT_TIMEOUT,
  descriptionFor,
  groupOf,
  runOn,
  type CaseResult,
  type CaseSpec,
} from '../server/case.ts';
import { HandshakeError, openingHandshake } from './handshake.ts';

export interface SkippedCase {
  id: string;
  description: string;
  reason: string;
}

export interface FuzzingClientOptions {
  /** The echo server under test. */
  host: string;
  port: number;
  cases: CaseSpec[];
  /** Called after each case. */
  onCase?(result: CaseResult): void;
  /** Stop starting cases after this many milliseconds (the rest are left unrun). */
  deadline?: number;
}

export interface FuzzingClientRun {
  results: CaseResult[];
  skipped: SkippedCase[];
  /** Cases neither run nor skipped: the deadline passed first. */
  missing: string[];
}

/** The cases that apply to a server, and those that do not, with why. */
export function splitCases(cases: CaseSpec[]): { run: CaseSpec[]; skipped: SkippedCase[] } {
  const run: CaseSpec[] = [];
  const skipped: SkippedCase[] = [];
  for (const spec of cases) {
    if (spec.mirror?.skip)
      skipped.push({ id: spec.id, description: descriptionFor(spec, 'client'), reason: spec.mirror.skip });
    else run.push(spec);
  }
  return { run, skipped };
}

/** Runs one case against the server: a connection of its own, the handshake, the case, the close. */
export async function runCaseOnServer(spec: CaseSpec, host: string, port: number): Promise<CaseResult> {
  const started = performance.now();
  const timeout = spec.timeout ?? DEFAULT_TIMEOUT;
  try {
    const hs = await openingHandshake({
      host,
      port,
      path: `/?case=${encodeURIComponent(spec.id)}`,
      offer: spec.mirror?.offer,
      timeout: Math.min(timeout, 10_000),
    });
    const c = new Conn(hs.socket, hs.agreed, 'client');
    hs.socket.resume();
    if (hs.rest.length > 0) c.onData(hs.rest);
    return await runOn(spec, c, started);
  } catch (error) {
    if (!(error instanceof HandshakeError)) throw error;
    return {
      id: spec.id,
      group: groupOf(spec.id),
      description: descriptionFor(spec, 'client'),
      verdict: 'FAILED',
      reason: `opening handshake: ${error.message}`,
      ms: Math.round((performance.now() - started) * 10) / 10,
      clientCloseCode: null,
    };
  }
}

/** Runs `cases` one after another against the server at `host`:`port`. */
export async function runFuzzingClient(options: FuzzingClientOptions): Promise<FuzzingClientRun> {
  const { run, skipped } = splitCases(options.cases);
  const results: CaseResult[] = [];
  const started = performance.now();
  for (const spec of run) {
    if (options.deadline !== undefined && performance.now() - started > options.deadline) break;
    const result = await runCaseOnServer(spec, options.host, options.port);
    results.push(result);
    options.onCase?.(result);
  }
  const have = new Set(results.map((r) => r.id));
  return { results, skipped, missing: run.filter((s) => !have.has(s.id)).map((s) => s.id) };
}
