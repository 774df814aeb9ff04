import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The example's folder (where `pnpm start` runs). */
export const EXAMPLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What a spawned CLI run gave. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `src/main.ts` as `pnpm start` does (node, the `source` condition, tsx) with these arguments. */
export function runCli(args: readonly string[], { timeoutMs = 240_000 }: { timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts', ...args], {
      cwd: EXAMPLE_DIR,
      env: { ...process.env, DOWNHILL_BACKEND: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
