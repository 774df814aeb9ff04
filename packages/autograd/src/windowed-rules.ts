import { composeWindowArgmax, dilatedSize, sizeOf, type ConvParams, type ReduceWindowParams, type Shape } from '@downhill/backend';
import { gather, reshape, scatterAdd, slice, transpose } from './ops/layout.js';
import { conv, reduceWindow } from './ops/windowed.js';
import { rawTensor, type TensorLike } from './traced.js';

/*
 * The transposes of the windowed primitives, written with the primitives themselves (as JAX's
 * `_conv_general_dilated_transpose_lhs/rhs` and `_reduce_window_sum_transpose_rule`), so that they
 * run on every backend and are differentiable in turn.
 */

type Pairs = [number, number][];

/**
 * Padding of the input-gradient convolution: the cotangent, dilated by the strides, padded so that
 * the flipped kernel sweeps every input position once (pads may be negative: crops).
 */
export function lhsCotangentPadding(
  inSizes: readonly number[],
  window: readonly number[],
  outSizes: readonly number[],
  g: ConvParams | ReduceWindowParams,
): Pairs {
  return inSizes.map((s, i) => {
    const lhsD = dilatedSize(s, g.lhsDilation[i]);
    const rhsD = dilatedSize(window[i], g.rhsDilation[i]);
    const outD = dilatedSize(outSizes[i], g.strides[i]);
    const before = rhsD - g.padding[i][0] - 1;
    return [before, lhsD + rhsD - 1 - outD - before];
  });
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

/** The kernel with its spatial axes (the first `d`) reversed, through gathers (differentiable). */
function flipSpatial(w: TensorLike, d: number): TensorLike {
  const backend = rawTensor(w).backend;
  let out = w;
  for (let a = 0; a < d; a++) {
    const n = w.shape[a];
    if (n === 1) continue;
    const rev = backend.tensor(
      Array.from({ length: n }, (_, i) => n - 1 - i),
      [n],
      'int32',
    );
    out = gather(out, rev, a);
  }
  return out;
}

/**
 * The cotangent of a convolution's input: a convolution of the cotangent `ct` (input-dilated by
 * the strides) with the spatially flipped kernel whose feature axes are swapped (groups moved into
 * the output features).
 */
export function convLhsCotangent(ct: TensorLike, rhs: TensorLike, lhsShape: Shape, p: ConvParams): TensorLike {
  const d = lhsShape.length - 2;
  const window = rhs.shape.slice(0, d);
  const [I, O] = [rhs.shape[d], rhs.shape[d + 1]];
  const groups = Math.max(p.featureGroupCount, p.batchGroupCount);
  const sp = range(0, d);
  let w = rhs;
  if (groups > 1) {
    // [K, I, O] → [K, groups·I, O/groups]: each group's filters move into the input-feature axis, group-major.
    w = reshape(transpose(reshape(w, [...window, I, groups, O / groups]), [...sp, d + 1, d, d + 2]), [...window, groups * I, O / groups]);
  }
  w = flipSpatial(transpose(w, [...sp, d + 1, d]), d); // [K, O/groups, groups·I]
  const padding = lhsCotangentPadding(lhsShape.slice(1, d + 1), window, ct.shape.slice(1, d + 1), p);
  const out = conv(ct, w, {
    strides: p.lhsDilation,
    padding,
    lhsDilation: p.strides,
    rhsDilation: p.rhsDilation,
    featureGroupCount: groups,
  });
  if (p.batchGroupCount === 1) return out;
  // [N/B, S, B·I] → [N, S, I]: the batch groups go back to the batch axis, group-major.
  const B = p.batchGroupCount;
  const [Nb, S] = [out.shape[0], out.shape.slice(1, d + 1)];
  return reshape(transpose(reshape(out, [Nb, ...S, B, I]), [d + 1, 0, ...range(1, d + 1), d + 2]), [Nb * B, ...S, I]);
}

/**
 * The cotangent of a convolution's kernel: a convolution of the input (batch and feature axes
 * swapped) with the cotangent as the window (its batch axis as input features), the strides and
 * the kernel dilation trading places; feature groups become batch groups and back.
 */
export function convRhsCotangent(ct: TensorLike, lhs: TensorLike, rhsShape: Shape, p: ConvParams): TensorLike {
  const d = lhs.shape.length - 2;
  const sp = range(1, d + 1);
  const inSizes = lhs.shape.slice(1, d + 1);
  const outSizes = ct.shape.slice(1, d + 1);
  const window = rhsShape.slice(0, d);
  const padding: Pairs = inSizes.map((s, i) => {
    const lo = p.padding[i][0];
    const lhsD = dilatedSize(s, p.lhsDilation[i]);
    const rhsD = dilatedSize(window[i], p.rhsDilation[i]);
    const outD = dilatedSize(outSizes[i], p.strides[i]);
    return [lo, outD - lhsD + rhsD - lo - 1];
  });
  const out = conv(transpose(lhs, [d + 1, ...sp, 0]), transpose(ct, [...sp, 0, d + 1]), {
    strides: p.rhsDilation,
    padding,
    lhsDilation: p.lhsDilation,
    rhsDilation: p.strides,
    featureGroupCount: p.batchGroupCount,
    batchGroupCount: p.featureGroupCount,
  }); // [I, K, O]
  return transpose(out, [...sp, 0, d + 1]);
}

/** The cotangent of a windowed sum: a windowed sum of the cotangent, base-dilated by the strides. */
export function sumWindowCotangent(ct: TensorLike, xShape: Shape, p: ReduceWindowParams): TensorLike {
  const padding = lhsCotangentPadding(xShape, p.windowShape, ct.shape, p);
  return reduceWindow('sum', ct, {
    windowShape: p.windowShape,
    strides: p.lhsDilation,
    padding,
    baseDilation: p.strides,
    windowDilation: p.rhsDilation,
  });
}

/**
 * The cotangent of a windowed max: each window's cotangent added at its maximum, the first in the
 * window's row-major order on ties (argmax's rule, the same on every backend). The backend's
 * `windowArgmax` finds the winners' input positions (a kernel of its own, or the composition of
 * gathers and argmax, `composeWindowArgmax`), and scatterAdd adds the cotangents there: linear in
 * the cotangent and made of primitives, so it is differentiable in turn.
 */
export function maxWindowCotangent(ct: TensorLike, x: TensorLike, p: ReduceWindowParams): TensorLike {
  const raw = rawTensor(x);
  const b = raw.backend;
  const P = raw.size;
  const Q = sizeOf(ct.shape);
  const winners = b.scope(() => {
    if (b.windowArgmax) {
      const options = {
        windowShape: p.windowShape,
        strides: p.strides,
        padding: p.padding,
        baseDilation: p.lhsDilation,
        windowDilation: p.rhsDilation,
      };
      return b.reshape(b.windowArgmax(raw, options), [Q]);
    }
    return b.reshape(composeWindowArgmax(b, raw, p, ct.shape), [Q]);
  });
  const back = scatterAdd(reshape(ct, [Q]), winners, 0, P + 1);
  return reshape(slice(back, [0], [P]), x.shape);
}
