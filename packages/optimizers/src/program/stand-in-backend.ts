import {
  SPECIFICATION_VERSION,
  BinaryShorthands,
  type Backend,
  type Capabilities,
  forEachTensor,
  type MemoryInfo,
  type Tensor,
} from '@downhill/backend';

/**
 * What the two backends a transformation's closures see inside `step` share: the
 * {@link TracingBackend} (records a step) and the {@link ReplayBackend} (replays a recorded one).
 * Both stand in for a real backend, whose name, label and capabilities they report; `add`, `sub`,
 * `mul` and `div` are their `binary` ({@link BinaryShorthands}); lifetimes are the real backend's
 * business (`scope` runs its function, `dispose` marks handles released, `keep` returns its
 * argument), and `memory` is the real backend's.
 *
 * @internal
 */
export abstract class StandInBackend extends BinaryShorthands {
  readonly name: string;
  readonly label: string;
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly capabilities: Capabilities;
  /** Marks a stand-in for `isTraced`: the step's tensors are handles, not data. */
  readonly traced = true;

  /** @param real - The backend stood in for. */
  constructor(readonly real: Backend) {
    super();
    this.name = real.name;
    this.label = real.label;
    this.capabilities = real.capabilities;
  }

  dispose(x: Parameters<Backend['dispose']>[0]): void {
    forEachTensor(x, (t) => {
      if ((t.backend as object) === this) t._disposed = true;
    });
  }
  scope<T>(fn: () => T): T {
    return fn();
  }
  keep<T extends Tensor>(x: T): T {
    return x;
  }
  memory(): MemoryInfo {
    return this.real.memory();
  }
}
