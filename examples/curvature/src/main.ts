// The curvature example: see the loss surface of a small MLP on MNIST with @downhill/curvature.
//   pnpm --filter downhill-example-curvature start [--quick] [--out DIR]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '@downhill/backend';
import { cpu } from '@downhill/backend-cpu';
import { hessianTopEigenvalue } from '@downhill/curvature';
import { rng } from '@downhill/initializers';
import { loadSubset } from './data.js';
import { density, fullBatchLoss, gradientDescent, landscape, rangeTest, type Config, type GdRun } from './experiments.js';
import { initParams, type Params } from './model.js';
import { renderVegaLite } from 'downhill-example-plots';
import { densitySpec, edgeOfStabilitySpec, landscapeSpec, noiseScaleSpec, rangeTestSpec } from './specs.js';

/** The default run: a few minutes on two cores. */
export const DEFAULT: Config = {
  examples: 1000,
  hidden: 32,
  lrs: [0.5, 2 / 3],
  steps: 800,
  sharpnessEvery: 10,
  noiseEvery: 100,
  density: { runs: 3, iterations: 60 },
  rangeSteps: 300,
  resolution: 21,
  outputScale: 0.2,
};

/** The short run the test uses (and `--quick`). */
export const QUICK: Config = {
  ...DEFAULT,
  lrs: [2 / 3, 0.8],
  steps: 300,
  sharpnessEvery: 10,
  noiseEvery: 150,
  density: { runs: 1, iterations: 12 },
  rangeSteps: 80,
  resolution: 7,
};

/** What a run measured, as metrics.json holds it. */
export interface Summary {
  readonly config: Config;
  readonly edgeOfStability: { lr: number; twoOverLr: number; settledSharpness: number; ratio: number; peak: number }[];
  readonly rangeTest: { suggestion: number; rule: string; divergence?: number; minimum: number; twoOverInitialSharpness: number };
  readonly initialSharpness: number;
  readonly noiseScale: { lr: number; step: number; simple: number; standardError: number }[];
  readonly density: { when: string; min: number; max: number; negativeMass: number }[];
  readonly seconds: number;
}

/** Runs every experiment, writes the figures (SVG and PNG) and metrics.json into `out`, and returns the summary. */
export async function run(config: Config, out: string, log: (line: string) => void = console.log): Promise<Summary> {
  const started = Date.now();
  const b = cpu();
  mkdirSync(out, { recursive: true });
  const key = rng(0);
  const data = loadSubset(b, config.examples);
  const raw = initParams(b, config.hidden, key.fold('init'));
  const init: Params<Tensor> = { hidden: raw.hidden, out: { kernel: b.mul(raw.out.kernel, config.outputScale), bias: raw.out.bias } };
  b.dispose(raw.out.kernel);
  const params = 196 * config.hidden + config.hidden + config.hidden * 10 + 10;
  const subtitle = `196-${config.hidden}-10 tanh MLP (${params} parameters), squared loss, ${config.examples} examples pooled to 14 × 14, float32 on backend-cpu`;
  log(`curvature: ${subtitle}`);

  const initialTop = await hessianTopEigenvalue(fullBatchLoss(data), init, {
    tolerance: 1e-5,
    maxIterations: 200,
    key: key.fold('initial'),
  });
  b.dispose(initialTop.vector);
  log(`sharpness at initialization: ${initialTop.value.toFixed(3)} (so 2/λmax = ${(2 / initialTop.value).toFixed(3)})`);
  const densityInit = await density(data, init, config, key.fold('density-init'));

  const range = await rangeTest(b, data, init, config, key.fold('range'));
  log(
    `range test: suggestion ${range.suggestion.toPrecision(3)} (${range.rule}); minimum at ${range.minimum.lr.toPrecision(3)}; divergence at ${range.divergence?.lr.toPrecision(3) ?? 'none'}`,
  );

  const runs: GdRun[] = [];
  let kept: { final: Params<Tensor>; path: Params<Tensor>[] } | undefined;
  for (const [i, lr] of config.lrs.entries()) {
    const last = i === config.lrs.length - 1;
    const result = await gradientDescent(
      b,
      data,
      init,
      lr,
      config,
      key.fold('gd').fold(i),
      (step, s) => {
        if (s !== undefined && step % (config.sharpnessEvery * 10) === 0)
          log(`  η = ${lr.toFixed(3)}, step ${step}: sharpness ${s.toFixed(3)} (2/η = ${(2 / lr).toFixed(3)})`);
      },
      last,
    );
    runs.push(result.run);
    log(
      `η = ${lr.toFixed(4)}: settled sharpness ${result.run.settled.toFixed(3)} against 2/η = ${(2 / lr).toFixed(3)} (ratio ${((result.run.settled * lr) / 2).toFixed(3)}); final loss ${result.run.losses.at(-1)!.toFixed(4)}`,
    );
    if (last) kept = { final: result.final, path: result.path };
    else b.dispose(result.final);
  }
  const end = kept!.final;
  const densityEnd = await density(data, end, config, key.fold('density-end'));
  const scape = await landscape(data, kept!.path, end, config);

  const lastLr = config.lrs[config.lrs.length - 1];
  const figures: [string, Parameters<typeof renderVegaLite>[0]][] = [
    ['edge-of-stability', edgeOfStabilitySpec(runs, subtitle)],
    [
      'density',
      densitySpec(
        [
          { label: 'at initialization', density: densityInit },
          { label: `after ${config.steps} steps of GD, η = ${lastLr.toPrecision(3)}`, density: densityEnd },
        ],
        `${subtitle}; ${config.density.runs} runs × ${config.density.iterations} Lanczos steps`,
      ),
    ],
    [
      'lr-range-test',
      rangeTestSpec(
        range,
        2 / initialTop.value,
        `${subtitle}; ${config.rangeSteps} steps; suggestion: steepest descent of the smoothed loss against log(lr)`,
      ),
    ],
    ['landscape', landscapeSpec(scape.plane, scape.coords, scape.line, scape.explained, `${subtitle}; η = ${lastLr.toPrecision(3)}`)],
    [
      'noise-scale',
      noiseScaleSpec(
        runs,
        `${config.examples} MNIST digits, GD; 64 batches of 16 and 32 of 256 (with replacement); unresolved |G|² left out`,
      ),
    ],
  ];
  for (const [name, spec] of figures) {
    const r = await renderVegaLite(spec);
    writeFileSync(join(out, `${name}.svg`), r.svg);
    writeFileSync(join(out, `${name}.png`), r.png);
  }
  const negativeMass = (d: typeof densityInit) =>
    d.nodes.reduce((s, xs, r) => s + xs.reduce((a, x, j) => a + (x < 0 ? d.weights[r][j] : 0), 0), 0) / d.nodes.length;
  const summary: Summary = {
    config,
    edgeOfStability: runs.map((r) => ({
      lr: r.lr,
      twoOverLr: 2 / r.lr,
      settledSharpness: r.settled,
      ratio: (r.settled * r.lr) / 2,
      peak: Math.max(...r.sharpness.map(([, v]) => v)),
    })),
    rangeTest: {
      suggestion: range.suggestion,
      rule: range.rule,
      ...(range.divergence ? { divergence: range.divergence.lr } : {}),
      minimum: range.minimum.lr,
      twoOverInitialSharpness: 2 / initialTop.value,
    },
    initialSharpness: initialTop.value,
    noiseScale: runs.flatMap((r) =>
      r.noise.map(({ step, scale }) => ({ lr: r.lr, step, simple: scale.simple, standardError: scale.simpleStandardError })),
    ),
    density: [
      {
        when: 'initialization',
        min: Math.min(...densityInit.nodes.flat()),
        max: Math.max(...densityInit.nodes.flat()),
        negativeMass: negativeMass(densityInit),
      },
      {
        when: 'end',
        min: Math.min(...densityEnd.nodes.flat()),
        max: Math.max(...densityEnd.nodes.flat()),
        negativeMass: negativeMass(densityEnd),
      },
    ],
    seconds: (Date.now() - started) / 1000,
  };
  writeFileSync(join(out, 'metrics.json'), `${JSON.stringify(summary, null, 2)}\n`);
  b.dispose([init, end, kept!.path, data.x, data.y]);
  log(`wrote ${figures.map(([n]) => `${n}.png`).join(', ')} and metrics.json to ${out} in ${summary.seconds.toFixed(0)} s`);
  return summary;
}

const HELP = `Usage: pnpm --filter downhill-example-curvature start [--quick] [--out DIR]
  --quick    the short run the test uses (about a minute)
  --out DIR  where figures and metrics.json go (default: out/ in this example)`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP);
  } else {
    const unknown = args.filter((a, i) => a !== '--quick' && a !== '--out' && args[i - 1] !== '--out');
    if (unknown.length) {
      console.error(`curvature: unknown argument ${unknown[0]}\n${HELP}`);
      process.exit(2);
    }
    const at = args.indexOf('--out');
    const out =
      at >= 0 ? resolve(process.env.INIT_CWD ?? process.cwd(), args[at + 1] ?? '') : fileURLToPath(new URL('../out', import.meta.url));
    await run(args.includes('--quick') ? QUICK : DEFAULT, out);
  }
}
