import { BackendUnavailableError } from '@downhill/backend';
import type { GpuOptions } from './acquire-device.js';
import { nodeEnv, type DawnBackend, type FeatureLevel } from './gpu-route.js';

const DAWN_BACKENDS: readonly DawnBackend[] = ['vulkan', 'opengles', 'opengl', 'metal', 'd3d12', 'd3d11', 'null'];
const FEATURE_LEVELS: readonly FeatureLevel[] = ['core', 'compatibility'];

/**
 * Device options from the environment, for the registry entry (which takes no options):
 * `DOWNHILL_WEBGPU_DAWN_BACKEND` and `DOWNHILL_WEBGPU_FEATURE_LEVEL`. Unset variables give the
 * defaults; a value that names nothing is refused with the accepted values.
 *
 * @example
 * ```ts
 * optionsFromEnv({ DOWNHILL_WEBGPU_DAWN_BACKEND: 'vulkan' }); // { dawnBackend: 'vulkan' }
 * ```
 */
export function optionsFromEnv(env: Record<string, string | undefined> = nodeEnv()): GpuOptions {
  const dawnBackend = env.DOWNHILL_WEBGPU_DAWN_BACKEND || undefined;
  const featureLevel = env.DOWNHILL_WEBGPU_FEATURE_LEVEL || undefined;
  if (dawnBackend !== undefined && !DAWN_BACKENDS.includes(dawnBackend as DawnBackend)) {
    throw new BackendUnavailableError(
      `webgpu: DOWNHILL_WEBGPU_DAWN_BACKEND is '${dawnBackend}', expected one of ${DAWN_BACKENDS.join(', ')}`,
    );
  }
  if (featureLevel !== undefined && !FEATURE_LEVELS.includes(featureLevel as FeatureLevel)) {
    throw new BackendUnavailableError(`webgpu: DOWNHILL_WEBGPU_FEATURE_LEVEL is '${featureLevel}', expected core or compatibility`);
  }
  return { dawnBackend: dawnBackend as DawnBackend | undefined, featureLevel: featureLevel as FeatureLevel | undefined };
}
