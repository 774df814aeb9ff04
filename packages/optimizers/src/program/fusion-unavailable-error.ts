import { DownhillError } from '@downhill/backend';

/**
 * Thrown by `step(..., { fused: true })` where the step cannot run as update programs: the
 * message says why (the backend declares no `capabilities.programs`, for one) and what to do.
 * Nothing was changed.
 *
 * @example
 * ```ts
 * try {
 *   step(adam(1e-3), params, grads, state, { fused: true });
 * } catch (e) {
 *   if (e instanceof FusionUnavailableError) console.log(e.message);
 * }
 * ```
 */
export class FusionUnavailableError extends DownhillError {
  constructor(message: string) {
    super('FUSION_UNAVAILABLE', message);
  }
}
