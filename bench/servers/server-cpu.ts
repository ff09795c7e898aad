// With --servers, the CPU time is the server's: the driver's own would say nothing of the server.
import { MEASURING_LINE } from '../clients/loop.ts';
import type { RunningServer } from './process.ts';

/**
 * The server's CPU time over the driver's measured round trips (the driver's own is not the figure here):
 * read when the driver says they begin and again at its first output after them, its figures.
 */
export class ServerCpu {
  private atStart: number | null = null;
  private atEnd: number | null = null;
  private measuring = false;
  constructor(private readonly server: Pick<RunningServer, 'cpuSeconds'>) {}

  /** A chunk of the driver's output. */
  read(chunk: string): void {
    if (!this.measuring) {
      const at = chunk.indexOf(MEASURING_LINE);
      if (at < 0) return;
      this.measuring = true;
      this.atStart = this.server.cpuSeconds();
      // Figures in the same chunk: the start was read too late to tell.
      if (chunk.slice(at + MEASURING_LINE.length).trim() !== '') this.atStart = null;
    } else if (this.atEnd === null) this.atEnd = this.server.cpuSeconds();
  }

  /** µs per echo, over `echoes` measured echoes; null when either reading is missing. */
  perEcho(echoes: number): number | null {
    if (this.atStart === null || this.atEnd === null || echoes <= 0) return null;
    return ((this.atEnd - this.atStart) * 1e6) / echoes;
  }
}
