// Every case, in order. `selectCases` picks: 'full' (all), 'quick' (without the heavy group-9 cases —
// the selection `npm test` runs), and/or id prefixes ("6.", "9.1.").
import type { CaseSpec } from '../case.ts';
import { cases as framing } from './1-framing.ts';
import { cases as pingpong } from './2-pingpong.ts';
import { cases as reservedBits } from './3-reserved-bits.ts';
import { cases as opcodes } from './4-opcodes.ts';
import { cases as fragmentation } from './5-fragmentation.ts';
import { cases as utf8 } from './6-utf8.ts';
import { cases as close } from './7-close.ts';
import { cases as limits } from './9-limits.ts';
import { cases as autofragment } from './10-autofragment.ts';
import { cases as deflatePayloads } from './12-deflate-payloads.ts';
import { cases as deflateParameters } from './13-deflate-parameters.ts';

export const allCases: CaseSpec[] = [
  ...framing,
  ...pingpong,
  ...reservedBits,
  ...opcodes,
  ...fragmentation,
  ...utf8,
  ...close,
  ...limits,
  ...autofragment,
  ...deflatePayloads,
  ...deflateParameters,
];

export type Selection = 'full' | 'quick';

/** `only`: id prefixes matched on whole components ("6" and "6." both mean group 6; "9.1" means 9.1.*). */
export function selectCases(selection: Selection = 'full', only?: string[]): CaseSpec[] {
  const match = (id: string, prefix: string) => {
    const p = prefix.endsWith('.') ? prefix : `${prefix}.`;
    return id === prefix || id.startsWith(p);
  };
  return allCases.filter(
    (c) => (selection === 'full' || !c.heavy) && (!only || only.length === 0 || only.some((p) => match(c.id, p))),
  );
}

{
  const seen = new Set<string>();
  for (const c of allCases) {
    if (seen.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
    seen.add(c.id);
  }
}
