import cliProgress from 'cli-progress';
import type { ProgressEvent } from './train.js';

/** Formats a learning rate compactly: `1.00e-3`. */
export function fmtLr(lr: number): string {
  return lr === 0 ? '0' : lr.toExponential(2);
}

/** Formats an accuracy in [0, 1] as a percentage: `97.84%`. */
export function fmtPct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

/**
 * The progress display of one training run: a cli-progress bar per epoch (loss, accuracy,
 * learning rate, examples per second, ETA) on a terminal, one line per epoch elsewhere (logs,
 * CI), nothing with `quiet`. Each epoch ends with its test accuracy.
 *
 * @param label - Prefixed to every line (the optimizer's name in compare mode).
 * @param epochs - The number of epochs, for `epoch 3/8`.
 */
export function progressReporter(
  label: string,
  epochs: number,
  { quiet = false, stream = process.stdout }: { quiet?: boolean; stream?: NodeJS.WriteStream } = {},
): (e: ProgressEvent) => void {
  if (quiet) return () => {};
  const tty = Boolean(stream.isTTY);
  let bar: cliProgress.SingleBar | undefined;
  let lastDraw = 0;
  const prefix = label ? `${label} ` : '';
  return (e) => {
    if (e.kind === 'epoch-start') {
      if (!tty) return;
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${prefix}epoch {epoch} |{bar}| {value}/{total} | loss {loss} | acc {acc} | lr {lr} | {speed} ex/s | ETA {eta_formatted}`,
          barsize: 24,
          hideCursor: true,
          etaBuffer: 50,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(e.steps, e.done, { epoch: `${e.epoch}/${epochs}`, loss: '-', acc: '-', lr: '-', speed: '-' });
    } else if (e.kind === 'step') {
      const now = performance.now();
      if (!bar || (now - lastDraw < 100 && e.stepInEpoch !== bar.getTotal())) return;
      lastDraw = now;
      bar.update(e.stepInEpoch, {
        loss: e.loss.toFixed(4),
        acc: fmtPct(e.accuracy),
        lr: fmtLr(e.lr),
        speed: Math.round(e.examplesPerSecond),
      });
    } else {
      const m = e.metrics;
      if (bar) {
        bar.stop();
        bar = undefined;
      }
      const line = tty
        ? `${prefix}epoch ${m.epoch}/${epochs} → test accuracy ${fmtPct(m.testAccuracy)}, test loss ${m.testLoss.toFixed(4)} (${m.wallTimeSeconds.toFixed(1)} s)`
        : `${prefix}epoch ${m.epoch}/${epochs}: loss ${m.trainLoss.toFixed(4)}, train acc ${fmtPct(m.trainAccuracy)}, test acc ${fmtPct(m.testAccuracy)}, test loss ${m.testLoss.toFixed(4)}, ${Math.round(m.examplesPerSecond)} ex/s, ${m.wallTimeSeconds.toFixed(1)} s`;
      stream.write(`${line}\n`);
    }
  };
}
