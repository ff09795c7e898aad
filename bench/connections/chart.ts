// The many-connections chart: runtimes as groups and clients as bars for RSS and heap per idle
// connection, connect time with N open (a tick at the start's), aggregate echoes per second (min–max
// over rounds as a rule); below, connect time over the ramp per runtime. Vega-Lite; SVG and PNG.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { Environment } from '../environment.ts';
import { runtimes } from '../matrix.ts';
import { connectionsClientNames } from './matrix.ts';
import type { ConnectionsMeasurement } from './report.ts';

export async function writeConnectionsChart(
  dir: string,
  environment: Environment,
  all: ConnectionsMeasurement[],
): Promise<string[]> {
  const done = all.filter((m) => m.median !== null);
  if (done.length === 0) return [];
  const { connections: n, size, tls } = done[0];
  const values = done.map((m) => ({
    runtime: m.runtime,
    client: m.label,
    order: connectionsClientNames.indexOf(m.client),
    rssKB: Number((m.median!.rssPerConnection / 1000).toFixed(2)),
    heapKB: Number((m.median!.heapPerConnection / 1000).toFixed(2)),
    connectStart: Number(m.median!.connectStartMs.toFixed(3)),
    connectAtN: Number(m.median!.connectAtNMs.toFixed(3)),
    eps: Math.round(m.median!.echoesPerSecond),
    min: Math.round(m.min!),
    max: Math.round(m.max!),
  }));
  const curve = done.flatMap((m) =>
    m.connectCurve.map(([open, ms]) => ({ runtime: m.runtime, client: m.label, open, ms })),
  );
  const labels = [...new Set([...values].sort((a, b) => a.order - b.order).map((v) => v.client))];
  const present = runtimes.filter((r) => values.some((v) => v.runtime === r));
  const color = {
    field: 'client',
    type: 'nominal',
    sort: labels,
    title: 'client',
    scale: { scheme: 'tableau10' },
    legend: { labelLimit: 400 },
  } as const;
  const x = { field: 'runtime', type: 'nominal', sort: present, title: null, axis: { labelAngle: 0 } } as const;
  const xOffset = { field: 'client', type: 'nominal', sort: labels } as const;
  const bars = (field: string, title: string, extra: vl.TopLevelSpec[] = []) => ({
    title,
    width: 340,
    height: 220,
    encoding: { x, xOffset },
    layer: [
      {
        mark: { type: 'bar', tooltip: true },
        encoding: { y: { field, type: 'quantitative', title: null }, color },
      },
      ...extra,
    ],
  });
  const spec = {
    title: {
      text: `${n} connections${tls ? ' over TLS' : ''}: memory per idle connection, connect time, ${size} B echoes with all ${n} at once`,
      subtitle: `${environment.cpu}, ${environment.cores} cores; node ${environment.runtimes.node}, bun ${environment.runtimes.bun}, ${environment.runtimes.deno.split(' (')[0]}; ${environment.server}; ${environment.date.slice(0, 10)}`,
      subtitleFontSize: 10,
    },
    data: { values },
    vconcat: [
      {
        hconcat: [
          bars('rssKB', 'RSS per idle connection, KB (lower is better)'),
          bars('heapKB', "JS heap per idle connection, KB (lower is better; Bun's counts WASM memories)"),
        ],
      },
      {
        hconcat: [
          bars('connectAtN', `connect ms with ${n} open; tick: at the start (lower is better)`, [
            {
              mark: { type: 'tick', color: 'black', thickness: 2 },
              encoding: { y: { field: 'connectStart', type: 'quantitative' } },
            },
          ] as never),
          bars('eps', `echoes per second, all ${n} at once (higher is better)`, [
            {
              mark: { type: 'rule', color: 'black' },
              encoding: { y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' } },
            },
          ] as never),
        ],
      },
      {
        data: { values: curve },
        title: 'connect ms while opening one after another, by connections already open (median per twentieth)',
        facet: { column: { field: 'runtime', type: 'nominal', sort: present, title: null } },
        spec: {
          width: 220,
          height: 160,
          mark: { type: 'line', point: true, tooltip: true },
          encoding: {
            x: { field: 'open', type: 'quantitative', title: 'connections open' },
            y: { field: 'ms', type: 'quantitative', title: 'ms', scale: { type: 'log' } },
            color,
          },
        },
        resolve: { scale: { y: 'independent' } },
      },
    ],
    config: { background: 'white' },
  } as unknown as vl.TopLevelSpec;
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const base = join(dir, `connections-${n}${tls ? '-tls' : ''}`);
  writeFileSync(`${base}.svg`, svg);
  writeFileSync(
    `${base}.png`,
    new Resvg(svg, {
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
      fitTo: { mode: 'zoom', value: 1.5 },
    })
      .render()
      .asPng(),
  );
  return [`${base}.svg`, `${base}.png`];
}
