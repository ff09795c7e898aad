// The terminal table per size: clients as rows, runtimes as columns; requests per second (median and
// min–max over rounds) and the ratio to Beast and to the runtime's native WebSocket.
import { clientOrder, runtimes } from '../matrix.ts';
import { beastReference, nativeReference, type Measurement } from './measurements.ts';

const fmt = (n: number) => (n >= 10000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));

function cell(m: Measurement | undefined, all: Measurement[]): string {
  if (!m) return '';
  if (m.median === null) return 'FAILED';
  const parts = [`${fmt(m.median)} [${fmt(m.min!)}–${fmt(m.max!)}]`];
  const beast = beastReference(all, m.size);
  if (beast && m.runtime !== 'c++') parts.push(`${(m.median / beast).toFixed(2)}×B`);
  const native = nativeReference(all, m.size, m.runtime);
  if (native && m.client !== 'native' && m.runtime !== 'c++') parts.push(`${(m.median / native).toFixed(2)}×N`);
  return parts.join(' ');
}

/** `mode`: what the run was (TLS, permessage-deflate, the payload), shown with each table. */
export function renderTables(all: Measurement[], sizes: number[], mode: string): string {
  const out: string[] = [];
  const present = runtimes.filter((r) => all.some((m) => m.runtime === r));
  for (const size of sizes) {
    const rows = clientOrder.filter((c) => all.some((m) => m.size === size && m.client === c));
    const header = ['client', ...present];
    const body = rows.map((client) => {
      const label = all.find((m) => m.client === client)!.label;
      return [
        label,
        ...present.map((r) =>
          cell(
            all.find((m) => m.size === size && m.client === client && m.runtime === r),
            all,
          ),
        ),
      ];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
    const line = (row: string[]) => row.map((c, i) => c.padEnd(widths[i])).join('  ');
    out.push(
      `\n${size} B messages (${mode}): requests per second, median [min–max]; ×B: vs Beast C++, ×N: vs the runtime's native WebSocket`,
    );
    out.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line));
    for (const m of all.filter((x) => x.size === size && x.failures.length > 0)) {
      out.push(`  ${m.label} on ${m.runtime}: ${m.failures.length} failed run(s): ${m.failures[0]}`);
    }
  }
  return out.join('\n');
}
