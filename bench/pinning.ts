// CPU pinning with taskset, as the seed benchmark pins: the echo server (and this orchestrating process,
// whose affinity the server inherits) on one CPU, each client on another, so that the two never take
// turns on one core and the scheduler does not move them around. Where taskset or a second CPU is
// missing, nothing is pinned and the run says so.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { Command } from './matrix.ts';

export interface Pinning {
  serverCpu: number;
  clientCpu: number;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins this process, every thread of it, to the server's CPU (call before the server starts). */
export function pinServerSide(): Pinning | null {
  if (process.platform !== 'linux' || os.cpus().length < 2 || !hasTaskset()) return null;
  const pinning = { serverCpu: 0, clientCpu: 1 };
  execFileSync('taskset', ['-a', '-p', '-c', String(pinning.serverCpu), String(process.pid)], { stdio: 'ignore' });
  return pinning;
}

/** `command`, run on the client's CPU. */
export function onClientCpu(command: Command, pinning: Pinning | null): Command {
  if (pinning === null) return command;
  return { ...command, command: 'taskset', args: ['-c', String(pinning.clientCpu), command.command, ...command.args] };
}

export function describePinning(pinning: Pinning | null): string {
  return pinning === null
    ? 'not pinned (no taskset, a single CPU, or --no-pin)'
    : `pinned with taskset: the server on CPU ${pinning.serverCpu}, each client on CPU ${pinning.clientCpu}`;
}
