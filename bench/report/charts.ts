// A chart per size, grouped bars like the Python benchmark's: runtimes as groups, clients as bars,
// min–max over rounds as a rule. Drawn with Vega-Lite; SVG, and PNG through resvg.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import { clientOrder, runtimes } from '../matrix.ts';
import type { Environment } from '../environment.ts';
import type { Measurement } from './measurements.ts';

export async function writeCharts(
  dir: string,
  environment: Environment,
  measurements: Measurement[],
  sizes: number[],
  mode: string,
  tls: boolean,
): Promise<string[]> {
  const files: string[] = [];
  for (const size of sizes) {
    const values = measurements
      .filter((m) => m.size === size && m.median !== null)
      .map((m) => ({
        runtime: m.runtime,
        client: m.label,
        order: clientOrder.indexOf(m.client),
        rps: Math.round(m.median!),
        min: m.min,
        max: m.max,
      }));
    if (values.length === 0) continue;
    const labels = [...new Set([...values].sort((a, b) => a.order - b.order).map((v) => v.client))];
    const title = `${size} B messages (${mode}): requests per second (higher is better)`;
    const subtitle = `${environment.cpu}, ${environment.cores} cores; node ${environment.runtimes.node}, bun ${environment.runtimes.bun}, ${environment.runtimes.deno.split(' (')[0]}; ${environment.server}; ${environment.date.slice(0, 10)}`;
    const x = {
      field: 'runtime',
      type: 'nominal',
      sort: runtimes,
      title: null,
      axis: { labelAngle: 0, labelFontSize: 13 },
    } as const;
    const xOffset = { field: 'client', type: 'nominal', sort: labels } as const;
    const spec: vl.TopLevelSpec = {
      title: { text: title, subtitle, subtitleFontSize: 10 },
      width: 720,
      height: 380,
      data: { values },
      encoding: { x, xOffset },
      layer: [
        {
          mark: { type: 'bar', tooltip: true },
          encoding: {
            y: { field: 'rps', type: 'quantitative', title: 'requests per second' },
            color: {
              field: 'client',
              type: 'nominal',
              sort: labels,
              title: 'client',
              scale: { scheme: 'tableau10' },
              legend: { labelLimit: 400 },
            },
          },
        },
        {
          mark: { type: 'rule', color: 'black' },
          encoding: { y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' } },
        },
      ],
      config: { background: 'white' },
    };
    const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
    const svg = await view.toSVG();
    view.finalize();
    const base = join(dir, `benchmark-${size}${tls ? '-tls' : ''}`);
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
    files.push(`${base}.svg`, `${base}.png`);
  }
  return files;
}
