import { DownhillError, checkOptions, type Tensor, type TypedArray } from '@downhill/backend';
import { BatchNorm } from './batch-norm.js';
import { Conv1D } from './conv-1d.js';
import { Conv2D } from './conv-2d.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { LayerNorm } from './layer-norm.js';
import type { Module } from './module.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsEntry } from './safetensors.js';
import { heldTensors, prepareEntries, type LoadWeightsOptions, type SaveWeightsOptions } from './weights.js';

/**
 * A model that has no PyTorch layout: a parameter of a module other than `Dense`, `Conv1D`,
 * `Conv2D`, `BatchNorm`, `LayerNorm` and `Embedding` (or the modules built from them). The message names the parameter
 * and its module.
 */
export class PyTorchLayoutError extends DownhillError {
  constructor(message: string) {
    super('PYTORCH_LAYOUT', message);
  }
}

/**
 * PyTorch's name for each of a layer's own parameters and buffers, and the axes of ours that make
 * PyTorch's tensor, in its order (`perm`; none: the same layout); `null` for a buffer PyTorch has no
 * counterpart of (Dropout's random-stream position), left out of the export and kept on import.
 */
type Rule = { readonly torch: string; readonly perm?: readonly number[] } | null;
const SAME = (torch: string): Rule => ({ torch });

// The torch.nn counterpart of each layer with parameters: nn.Linear, nn.BatchNorm1d/2d, nn.LayerNorm, nn.Embedding.
// The torch.nn counterpart of each layer with parameters: nn.Linear (weight [out, in] from our
// kernel [in, out]), nn.Conv1d/Conv2d (weight [out, in/G, k…] from our [k…, in/G, out]),
// nn.BatchNorm1d/2d, nn.LayerNorm, nn.Embedding.
const RULES: readonly (readonly [abstract new (...args: never[]) => Module, Readonly<Record<string, Rule>>])[] = [
  [Dense, { kernel: { torch: 'weight', perm: [1, 0] }, bias: SAME('bias') }],
  [Conv1D, { kernel: { torch: 'weight', perm: [2, 1, 0] }, bias: SAME('bias') }],
  [Conv2D, { kernel: { torch: 'weight', perm: [3, 2, 0, 1] }, bias: SAME('bias') }],
  [BatchNorm, { gamma: SAME('weight'), beta: SAME('bias'), runningMean: SAME('running_mean'), runningVar: SAME('running_var') }],
  [LayerNorm, { gamma: SAME('weight'), beta: SAME('bias') }],
  [Embedding, { embeddings: SAME('weight') }],
  [Dropout, { step: null }],
];

/** BatchNorm's step counter in PyTorch's state_dict (int64, a scalar); downhill keeps none. */
const NUM_BATCHES_TRACKED = 'num_batches_tracked';

interface Mapped {
  readonly path: string;
  readonly torch: string;
  readonly perm: readonly number[] | undefined;
}

function joinName(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

/** Every parameter and buffer of the model with its PyTorch name; throws for a layer with no PyTorch layout. */
function mapModel(model: Module, where: string): { slots: Mapped[]; batchNorms: string[]; ownOnly: Set<string> } {
  const slots: Mapped[] = [];
  const ownOnly = new Set<string>();
  // torch's order: module by module (depth first), each one's parameters, then its buffers.
  const all = [...model._slots('parameter'), ...model._slots('buffer')];
  const order = new Map(model.modules().map(([p], i) => [p, i]));
  const kinds = new Set(model._slots('buffer').map((s) => s.path));
  all.sort((x, y) => order.get(x.modulePath)! - order.get(y.modulePath)! || Number(kinds.has(x.path)) - Number(kinds.has(y.path)));
  for (const { path, module, name, modulePath } of all) {
    const rules = RULES.find(([cls]) => module instanceof cls)?.[1];
    const rule = rules?.[name];
    if (rule === null) {
      ownOnly.add(path);
      continue;
    }
    if (!rule) {
      throw new PyTorchLayoutError(
        `${where}: '${path}' belongs to ${module.constructor.name}${modulePath ? ` at '${modulePath}'` : ''}, which has no PyTorch layout here; ` +
          'the layers with one are Dense (nn.Linear), Conv1D and Conv2D (nn.Conv1d/2d), BatchNorm (nn.BatchNorm1d/2d), LayerNorm (nn.LayerNorm), Embedding (nn.Embedding) and the modules built from them',
      );
    }
    slots.push({ path, torch: joinName(modulePath, rule.torch), perm: rule.perm });
  }
  const batchNorms = model
    .modules()
    .filter(([, m]) => m instanceof BatchNorm)
    .map(([p]) => p);
  return { slots, batchNorms, ownOnly };
}

/** An entry with its axes permuted: axis `k` of the result is axis `perm[k]` of `e` (values copied). */
function permuted(e: SafetensorsEntry, perm: readonly number[]): SafetensorsEntry {
  const shape = perm.map((a) => e.shape[a]);
  const strides = e.shape.map((_, a) => e.shape.slice(a + 1).reduce((n, d) => n * d, 1));
  const data = new (e.data.constructor as new (n: number) => TypedArray)(e.data.length);
  const index = new Array<number>(shape.length).fill(0);
  for (let out = 0; out < data.length; out++) {
    let from = 0;
    for (let k = 0; k < shape.length; k++) from += index[k] * strides[perm[k]];
    data[out] = e.data[from];
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++index[k] < shape[k]) break;
      index[k] = 0;
    }
  }
  return { dtype: e.dtype, shape, data };
}

/** The inverse permutation. */
function inverse(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((a, k) => {
    inv[a] = k;
  });
  return inv;
}

/**
 * The model's parameters and buffers under PyTorch's `state_dict` names and layouts, as host
 * entries: the names of the module tree with each layer's leaves renamed as `torch.nn` names them
 * (`Sequential([Dense, BatchNorm])` gives `0.weight`, `0.bias`, `1.weight`, `1.bias`,
 * `1.running_mean`, `1.running_var`, `1.num_batches_tracked`), `Dense` kernels transposed to
 * `nn.Linear`'s `[out, in]`. BatchNorm's `num_batches_tracked` (which downhill does not keep) is 0;
 * PyTorch reads it only when its `momentum` is `None`. Activations stay channels-last here: a `Dense`
 * after `Flatten` of a convolution's output sees the features in `[h, w, c]` order, PyTorch's in
 * `[c, h, w]` order, so that one weight matrix does not carry over as it is. Dropout's random-stream position has no
 * PyTorch counterpart and is left out.
 *
 * | downhill | torch.nn |
 * |---|---|
 * | `Dense` `kernel` `[in, out]`, `bias` | `Linear` `weight` `[out, in]`, `bias` |
 * | `Conv2D` `kernel` `[kh, kw, in/G, out]`, `bias` | `Conv2d` `weight` `[out, in/G, kh, kw]`, `bias` (`Conv1D` likewise) |
 * | `BatchNorm` `gamma`, `beta`, `runningMean`, `runningVar` | `BatchNorm1d` `weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked` |
 * | `LayerNorm` `gamma`, `beta` | `LayerNorm` `weight`, `bias` |
 * | `Embedding` `embeddings` | `Embedding` `weight` |
 *
 * @param model - an initialized module made of the layers above (activations, dropout and
 *   containers have no parameters and keep their positions).
 * @returns name → entry, in the model's order. Values are read back from the backend, hence async.
 * @throws PyTorchLayoutError for a parameter of another kind of layer.
 *
 * @example
 * ```ts
 * const stateDict = await toPyTorchStateDict(model);
 * stateDict.get('0.weight'); // { dtype: 'float32', shape: [out, in], data }
 * ```
 */
export async function toPyTorchStateDict(model: Module): Promise<Map<string, SafetensorsEntry>> {
  const { slots, batchNorms } = mapModel(model, 'toPyTorchStateDict');
  const held = new Map<string, Tensor>(heldTensors(model));
  const data = await Promise.all(slots.map((s) => held.get(s.path)!.read()));
  const out = new Map<string, SafetensorsEntry>();
  const counters = new Map(batchNorms.map((p) => [joinName(p, 'running_var'), joinName(p, NUM_BATCHES_TRACKED)]));
  slots.forEach((s, i) => {
    const t = held.get(s.path)!;
    const entry: SafetensorsEntry = { dtype: t.dtype, shape: [...t.shape], data: data[i] };
    out.set(s.torch, s.perm ? permuted(entry, s.perm) : entry);
    // PyTorch's BatchNorm registers num_batches_tracked after running_var.
    const counter = counters.get(s.torch);
    if (counter) out.set(counter, { dtype: 'int32', shape: [], data: new Int32Array(1) });
  });
  return out;
}

/**
 * Loads weights given in PyTorch's `state_dict` names and layouts into a model (the inverse of
 * {@link toPyTorchStateDict}: `nn.Linear` weights are transposed to `[in, out]`, BatchNorm's
 * `num_batches_tracked` is ignored; Dropout's random-stream position keeps its value). Checked as {@link loadWeights} checks: a missing, unexpected
 * (with `strict`) or mis-shaped entry throws one `WeightsMismatchError` naming every problem (by
 * PyTorch name where the file has it), and the model is left as it was.
 *
 * @param model - a module made of `Dense`, `Conv1D`, `Conv2D`, `BatchNorm`, `LayerNorm`, `Embedding` and parameterless layers.
 * @param stateDict - PyTorch name → host entry (a `Map` or a record).
 * @param options - `strict` (default true), `backend` (for a model without tensors).
 * @throws PyTorchLayoutError for a layer with no PyTorch layout; WeightsMismatchError when the weights do not fit.
 *
 * @example
 * ```ts
 * fromPyTorchStateDict(model, { '0.weight': { dtype: 'float32', shape: [2, 3], data: new Float32Array(6) }, '0.bias': bias });
 * ```
 */
export function fromPyTorchStateDict(
  model: Module,
  stateDict: ReadonlyMap<string, SafetensorsEntry> | Readonly<Record<string, SafetensorsEntry>>,
  options: LoadWeightsOptions = {},
): void {
  checkOptions('fromPyTorchStateDict', options, { strict: true, backend: true });
  prepareFromPyTorch(model, stateDict, options, 'fromPyTorchStateDict').commit();
}

function prepareFromPyTorch(
  model: Module,
  stateDict: ReadonlyMap<string, SafetensorsEntry> | Readonly<Record<string, SafetensorsEntry>>,
  options: LoadWeightsOptions,
  where: string,
): { commit(): void; discard(): void } {
  const { slots, batchNorms, ownOnly } = mapModel(model, where);
  const byTorch = new Map(slots.map((s) => [s.torch, s]));
  const skip = new Set(batchNorms.map((p) => joinName(p, NUM_BATCHES_TRACKED)));
  const entries = stateDict instanceof Map ? [...stateDict] : Object.entries(stateDict);
  const ours = new Map<string, SafetensorsEntry>();
  for (const [name, entry] of entries) {
    if (skip.has(name)) continue;
    const s = byTorch.get(name);
    // An entry the model does not have keeps its PyTorch name, so the mismatch error names it so.
    if (!s) ours.set(name, entry);
    else ours.set(s.path, s.perm && entry.shape.length === s.perm.length ? permuted(entry, inverse(s.perm)) : entry);
  }
  return prepareEntries(model, ours, options, where, ownOnly);
}

/**
 * The model's weights as a safetensors file in PyTorch's `state_dict` names and layouts (see
 * {@link toPyTorchStateDict}), which a `torch.nn` model of the same structure loads with no
 * renaming: `model.load_state_dict(safetensors.torch.load_file('model.safetensors'))`.
 *
 * @param model - an initialized module made of `Dense`, `Conv1D`, `Conv2D`, `BatchNorm`, `LayerNorm`, `Embedding` and parameterless layers.
 * @param options - `metadata` strings to add (`format: 'pt'` is set, as PyTorch's writer does).
 * @returns the file's bytes.
 * @throws PyTorchLayoutError for a layer with no PyTorch layout.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * await writeFile('model.safetensors', await savePyTorchWeights(model));
 * ```
 */
export async function savePyTorchWeights(model: Module, options: SaveWeightsOptions = {}): Promise<Uint8Array> {
  const { metadata = {} } = checkOptions('savePyTorchWeights', options, { metadata: true });
  const stateDict = await toPyTorchStateDict(model);
  const int64 = [...stateDict.keys()].filter((k) => k.endsWith(`.${NUM_BATCHES_TRACKED}`) || k === NUM_BATCHES_TRACKED);
  return encodeSafetensors([...stateDict], { format: 'pt', ...metadata }, { int64 });
}

/**
 * Loads a safetensors file of a PyTorch model's `state_dict` (from `safetensors.torch.save_file(
 * model.state_dict(), path)`) into a downhill model of the same structure, transposing `nn.Linear`
 * weights; `I64` entries such as `num_batches_tracked` are read as int32 (and that one ignored).
 * Checked before anything changes, as {@link fromPyTorchStateDict}.
 *
 * @param model - the module to load into.
 * @param bytes - the safetensors file.
 * @param options - `strict` (default true), `backend` (for a model without tensors).
 * @throws PyTorchLayoutError; WeightsMismatchError; SafetensorsError for a malformed file.
 *
 * @example
 * ```ts
 * loadPyTorchWeights(model, await readFile('torch-model.safetensors'));
 * ```
 */
export function loadPyTorchWeights(model: Module, bytes: Uint8Array, options: LoadWeightsOptions = {}): void {
  checkOptions('loadPyTorchWeights', options, { strict: true, backend: true });
  prepareFromPyTorch(model, decodeSafetensors(bytes).tensors, options, 'loadPyTorchWeights').commit();
}
