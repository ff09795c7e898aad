// The terminal tables per size: clients as rows, runtimes as columns. First requests per second
// (median and min–max over rounds) with the ratio to Beast, to the runtime's native WebSocket and to
// its I/O floor; then the round-trip latency percentiles and the CPU time per round trip (each the
// median over rounds).
import { clientOrder, runtimes } from '../matrix.ts';
import { beastReference, floorReference, nativeReference, type Latency, type Measurement } from './measurements.ts';

const fmt = (n: number) => (n >= 10000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));
/** Microseconds: one decimal below 100 µs, whole above. */
export const fmtUs = (n: number) => (n < 100 ? n.toFixed(1) : n.toFixed(0));

/** What the rows are and what the ratios compare with: the clients by default, the servers with --servers. */
export interface TableLayout {
  /** The rows (Measurement.client), in order. */
  order: string[];
  /** The first column's title. */
  rowTitle: string;
  /** The row that is the runtime's native reference for ×N. */
  native(runtime: string): string;
  /** What ×B, ×N and ×F compare with, in the title. */
  beastName: string;
  nativeName: string;
  floorName: string;
  /** What the CPU figure is, in the second table's title. */
  cpuName: string;
}

export const clientLayout: TableLayout = {
  order: clientOrder,
  rowTitle: 'client',
  native: () => 'native',
  beastName: 'Beast C++',
  nativeName: "the runtime's native WebSocket",
  floorName: 'its I/O floor (raw socket)',
  cpuName: "the client process's CPU time per round trip, µs",
};

function cell(m: Measurement | undefined, all: Measurement[], layout: TableLayout): string {
  if (!m) return '';
  if (m.median === null) return 'FAILED';
  const parts = [`${fmt(m.median)} [${fmt(m.min!)}–${fmt(m.max!)}]`];
  const beast = beastReference(all, m.size);
  if (beast && m.runtime !== 'c++') parts.push(`${(m.median / beast).toFixed(2)}×B`);
  const nativeId = layout.native(m.runtime);
  const native = nativeReference(all, m.size, m.runtime, nativeId);
  if (native && m.client !== nativeId && m.runtime !== 'c++') parts.push(`${(m.median / native).toFixed(2)}×N`);
  const floor = floorReference(all, m.size, m.runtime);
  if (floor && m.client !== 'floor' && m.runtime !== 'c++') parts.push(`${(m.median / floor).toFixed(2)}×F`);
  return parts.join(' ');
}

/** The percentiles the latency table shows, in this order. */
const shown: (keyof Latency)[] = ['p50', 'p99', 'p999'];

function latencyCell(m: Measurement | undefined): string {
  if (!m) return '';
  if (m.median === null) return 'FAILED';
  const latency = m.latency ? shown.map((k) => fmtUs(m.latency![k])).join(' / ') : 'n/a';
  return `${latency} · ${m.cpu === null || m.cpu === undefined ? 'n/a' : fmtUs(m.cpu)}`;
}

function grid(header: string[], body: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

/** `mode`: what the run was (TLS, permessage-deflate, the payload), shown with each table. */
export function renderTables(
  all: Measurement[],
  sizes: number[],
  mode: string,
  layout: TableLayout = clientLayout,
): string {
  const out: string[] = [];
  const present = runtimes.filter((r) => all.some((m) => m.runtime === r));
  for (const size of sizes) {
    const rows = layout.order.filter((c) => all.some((m) => m.size === size && m.client === c));
    const find = (client: string, runtime: string) =>
      all.find((m) => m.size === size && m.client === client && m.runtime === runtime);
    const label = (client: string) => all.find((m) => m.client === client)!.label;
    const header = [layout.rowTitle, ...present];
    const hasFloor = all.some((m) => m.size === size && m.client === 'floor' && m.median !== null);
    out.push(
      `\n${size} B messages (${mode}): requests per second, median [min–max]; ×B: vs ${layout.beastName}, ×N: vs ${layout.nativeName}${hasFloor ? `, ×F: vs ${layout.floorName}` : ''}`,
    );
    out.push(
      ...grid(
        header,
        rows.map((client) => [label(client), ...present.map((r) => cell(find(client, r), all, layout))]),
      ),
    );
    for (const m of all.filter((x) => x.size === size && x.failures.length > 0)) {
      out.push(`  ${m.label} on ${m.runtime}: ${m.failures.length} failed run(s): ${m.failures[0]}`);
    }
    out.push(
      `\n${size} B messages (${mode}): round-trip latency in µs, p50 / p99 / p99.9 · ${layout.cpuName} (each the median over rounds)`,
    );
    out.push(
      ...grid(
        header,
        rows.map((client) => [label(client), ...present.map((r) => latencyCell(find(client, r)))]),
      ),
    );
  }
  return out.join('\n');
}
