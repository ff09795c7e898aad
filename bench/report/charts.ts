// Charts per size, grouped bars like the Python benchmark's: runtimes as groups, clients as bars.
// benchmark-SIZE: requests per second, min–max over rounds as a rule. latency-SIZE: round-trip
// latency, p50 above and p99 below (each the median over rounds). Drawn with Vega-Lite; SVG, and PNG
// through resvg.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import { clientOrder, runtimes } from '../matrix.ts';
import type { Environment } from '../environment.ts';
import type { Measurement } from './measurements.ts';

const x = {
  field: 'runtime',
  type: 'nominal',
  sort: runtimes,
  title: null,
  axis: { labelAngle: 0, labelFontSize: 13 },
} as const;

/** The clients' labels in the benchmark's order, for the bars and the legend. */
function labelsOf(values: { client: string; order: number }[]): string[] {
  return [...new Set([...values].sort((a, b) => a.order - b.order).map((v) => v.client))];
}

function color(labels: string[], title: string) {
  return {
    field: 'client',
    type: 'nominal',
    sort: labels,
    title,
    scale: { scheme: 'tableau10' },
    legend: { labelLimit: 400 },
  } as const;
}

/** What the bars are, their order and legend, and what the file names end with: clients by default. */
export interface ChartLayout {
  order: string[];
  legend: string;
  /** Appended to each file's name (before .svg/.png). */
  suffix: string;
}

const clientCharts: ChartLayout = { order: clientOrder, legend: 'client', suffix: '' };

/** Writes BASE.svg and BASE.png; returns their paths. */
export async function render(spec: vl.TopLevelSpec, base: string): Promise<string[]> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
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

function rpsSpec(
  measurements: Measurement[],
  title: string,
  subtitle: string,
  layout: ChartLayout,
): vl.TopLevelSpec | null {
  const values = measurements
    .filter((m) => m.median !== null)
    .map((m) => ({
      runtime: m.runtime,
      client: m.label,
      order: layout.order.indexOf(m.client),
      rps: Math.round(m.median!),
      min: m.min,
      max: m.max,
    }));
  if (values.length === 0) return null;
  const labels = labelsOf(values);
  return {
    title: { text: title, subtitle, subtitleFontSize: 10 },
    width: 720,
    height: 380,
    data: { values },
    encoding: { x, xOffset: { field: 'client', type: 'nominal', sort: labels } },
    layer: [
      {
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'rps', type: 'quantitative', title: 'requests per second' },
          color: color(labels, layout.legend),
        },
      },
      {
        mark: { type: 'rule', color: 'black' },
        encoding: { y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' } },
      },
    ],
    config: { background: 'white' },
  };
}

function latencySpec(
  measurements: Measurement[],
  title: string,
  subtitle: string,
  layout: ChartLayout,
): vl.TopLevelSpec | null {
  const values = measurements
    .filter((m) => m.median !== null && m.latency)
    .map((m) => ({
      runtime: m.runtime,
      client: m.label,
      order: layout.order.indexOf(m.client),
      p50: m.latency!.p50,
      p99: m.latency!.p99,
      p999: m.latency!.p999,
    }));
  if (values.length === 0) return null;
  const labels = labelsOf(values);
  // Two panels with their own scales: a slow p99 does not flatten the p50 bars.
  const panel = (field: 'p50' | 'p99', name: string) => ({
    width: 720,
    height: 220,
    mark: { type: 'bar', tooltip: { content: 'data' } },
    encoding: {
      x,
      xOffset: { field: 'client', type: 'nominal', sort: labels },
      y: { field, type: 'quantitative', title: `${name} round trip (µs)` },
      color: color(labels, layout.legend),
    },
  });
  return {
    title: { text: title, subtitle, subtitleFontSize: 10 },
    data: { values },
    vconcat: [panel('p50', 'p50'), panel('p99', 'p99')],
    resolve: { scale: { y: 'independent' } },
    config: { background: 'white' },
  } as vl.TopLevelSpec;
}

export async function writeCharts(
  dir: string,
  environment: Environment,
  measurements: Measurement[],
  sizes: number[],
  mode: string,
  tls: boolean,
  layout: ChartLayout = clientCharts,
): Promise<string[]> {
  const files: string[] = [];
  // Node 24 only when it was measured (a machine without it has no version to show).
  const versions = ['node', 'node24', 'bun']
    .filter((r) => r !== 'node24' || measurements.some((m) => m.runtime === r))
    .map((r) => `${r} ${environment.runtimes[r]}`);
  const subtitle = `${environment.cpu}, ${environment.cores} cores; ${versions.join(', ')}, ${environment.runtimes.deno.split(' (')[0]}; ${environment.server}; ${environment.date.slice(0, 10)}`;
  for (const size of sizes) {
    const ofSize = measurements.filter((m) => m.size === size);
    const suffix = `${size}${tls ? '-tls' : ''}${layout.suffix}`;
    const rps = rpsSpec(
      ofSize,
      `${size} B messages (${mode}): requests per second (higher is better)`,
      subtitle,
      layout,
    );
    if (rps) files.push(...(await render(rps, join(dir, `benchmark-${suffix}`))));
    const latency = latencySpec(
      ofSize,
      `${size} B messages (${mode}): round-trip latency, median over rounds (lower is better)`,
      subtitle,
      layout,
    );
    if (latency) files.push(...(await render(latency, join(dir, `latency-${suffix}`))));
  }
  return files;
}
