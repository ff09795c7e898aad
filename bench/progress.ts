// The progress bar every benchmark mode shows (runs done of all, and what runs now); plain lines every
// 5 s when stdout is not a terminal.
import cliProgress from 'cli-progress';

export type ProgressBar = cliProgress.SingleBar;

/** A bar over `total` runs, started. */
export function progressBar(total: number): ProgressBar {
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {value}/{total} runs | {task}',
      hideCursor: true,
      clearOnComplete: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { task: 'starting' });
  return bar;
}
