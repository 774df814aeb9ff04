import { toTyped, type DType, type HostData, type TypedArrayFor } from './dtype.js';
import { InvalidArgumentError } from './errors.js';
import { describeValue } from './tree.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Host data checked and converted to the typed array of `dtype`, as `backend.tensor` takes it:
 *
 * - A plain array must hold numbers; booleans count as 1 and 0 (masks written in JavaScript,
 *   `xs.map((x) => x > 0)`). Anything else (a nested array, a string, `null`) is refused where a
 *   typed array would have turned it silently into NaN or 0.
 * - For `int32`, every value must lie in [−2³¹, 2³¹ − 1] and is truncated toward zero, as
 *   PyTorch's `torch.tensor(data, dtype=torch.int32)` has it: NaN, ±∞ and values out of range are
 *   refused, not wrapped as `Int32Array` would wrap them. To saturate them instead, make a float
 *   tensor and `cast` it.
 * - For `bool`, every non-zero value is true, NaN included (as `cast` maps it).
 *
 * A call that throws converts nothing.
 *
 * @param data - The host data.
 * @param dtype - The tensor's dtype.
 * @param where - The call, for messages (`cpu.tensor`).
 * @returns A new typed array of `dtype`.
 * @throws InvalidArgumentError naming the first element that cannot be converted.
 *
 * @example
 * ```ts
 * hostData([true, false, true], 'bool', 'cpu.tensor'); // Uint8Array [1, 0, 1]
 * hostData([1.9, -2.9], 'int32', 'cpu.tensor');        // Int32Array [1, -2]
 * hostData([3e9], 'int32', 'cpu.tensor');              // throws InvalidArgumentError
 * ```
 */
export function hostData<D extends DType>(data: HostData, dtype: D, where: string): TypedArrayFor[D] {
  const typed = ArrayBuffer.isView(data);
  let numbers: HostData = data;
  if (!typed) {
    let converted: number[] | undefined;
    for (let i = 0; i < data.length; i++) {
      const v = (data as ArrayLike<unknown>)[i];
      if (typeof v === 'number') continue;
      if (typeof v !== 'boolean') {
        const hint = Array.isArray(v) ? ' (nested arrays are not flattened: pass flat data and a shape, tensor([1, 2, 3, 4], [2, 2]))' : '';
        throw new InvalidArgumentError(`${where}: expected numbers, element ${i} is ${describeValue(v)}${hint}`);
      }
      converted ??= Array.from(data as ArrayLike<number>);
      converted[i] = v ? 1 : 0;
    }
    if (converted) numbers = converted;
  }
  const view: unknown = data;
  if (view instanceof BigInt64Array || view instanceof BigUint64Array) {
    throw new InvalidArgumentError(`${where}: expected numbers, got a ${view.constructor.name} (convert it with Array.from(data, Number))`);
  }
  if (dtype === 'int32' && !(data instanceof Int32Array) && !(data instanceof Uint8Array)) {
    for (let i = 0; i < numbers.length; i++) checkInt32(numbers[i], `element ${i}`, where);
  }
  return toTyped(numbers, dtype);
}

/**
 * Refuses a number an int32 cannot hold: NaN, ±∞, anything outside [−2³¹, 2³¹ − 1] (PyTorch's
 * bounds: 2³¹ − 0.5 is refused too, though it truncates to 2³¹ − 1). The check of
 * {@link hostData}, of `backend.full` for an int32 fill, and of a number operand of an int32 op.
 *
 * @param v - The value.
 * @param what - Which value, for the message (`element 3`, `the value`).
 * @param where - The call, for messages.
 * @throws InvalidArgumentError for a value out of range.
 *
 * @example
 * ```ts
 * checkInt32(2 ** 31, 'the value', 'cpu.full'); // throws InvalidArgumentError
 * ```
 */
export function checkInt32(v: number, what: string, where: string): void {
  if (v >= INT32_MIN && v <= INT32_MAX) return;
  throw new InvalidArgumentError(
    `${where}: ${what} is ${v}, which int32 cannot hold (values from ${INT32_MIN} to ${INT32_MAX}, fractions truncated toward zero); to saturate instead, make a float tensor and cast it`,
  );
}
