/// <reference types="@webgpu/types" />
import { BackendUnavailableError, checkOptions } from '@downhill/backend';
import {
  defaultDawnRoutes,
  defaultFeatureLevel,
  describeRoute,
  hasVulkanDriver,
  importRuntime,
  isNode,
  nodeEnv,
  type DawnBackend,
  type FeatureLevel,
  type GpuRoute,
} from './gpu-route.js';
import { withQuietNativeStderr } from './quiet-stderr.js';

/** How to reach a WebGPU device; every field is optional and the defaults work in browsers and in Node on Linux without a GPU. */
export interface GpuOptions {
  /**
   * Dawn's backend in Node: `vulkan`, `opengles`, `metal`, `d3d12`… Default: Metal on macOS,
   * Direct3D 12 on Windows; on Linux Vulkan where a Vulkan driver is installed, then OpenGL ES
   * (Mesa's EGL, which needs no GPU). Ignored in browsers.
   */
  readonly dawnBackend?: DawnBackend;
  /** WebGPU feature level. Default: `core`, except `compatibility` on Dawn's OpenGL (ES) backends; in browsers `core`, then `compatibility`. */
  readonly featureLevel?: FeatureLevel;
  /** Which adapter to prefer where there are several. Default `high-performance`. */
  readonly powerPreference?: GPUPowerPreference;
  /** Extra flags for Dawn's `create()` in Node, such as `enable-dawn-features=allow_unsafe_apis`. */
  readonly dawnFlags?: readonly string[];
  /** A `GPU` object to use instead of `navigator.gpu` or Dawn (for example your own `create()` from `webgpu`). */
  readonly gpu?: GPU;
}

/** A device and how it was reached. */
export interface AcquiredDevice {
  /** The WebGPU entry point the device came from (`navigator.gpu`, or Dawn's in Node). */
  readonly gpu: GPU;
  /** The adapter that was granted. */
  readonly adapter: GPUAdapter;
  /** The device, with the limits and features requested. */
  readonly device: GPUDevice;
  /** The route that succeeded. */
  readonly route: GpuRoute;
  /** Every route tried, in order, with why it failed (the last one succeeded). */
  readonly tried: readonly string[];
  /** Undoes what was set up for this device in Node (`navigator.gpu`), so the process can exit. */
  release(): void;
}

/** The limits tfjs-backend-webgpu and the fused kernels use, raised to what the adapter allows (compatibility-level defaults are lower). */
const RAISED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeInvocationsPerWorkgroup',
  'maxStorageBuffersPerShaderStage',
] as const;

const MESA_HINT =
  'for software WebGPU on Linux install Mesa (apt-get install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri), or a Vulkan driver (a GPU driver, or mesa-vulkan-drivers from bookworm-backports for lavapipe)';

/**
 * A WebGPU device: from `navigator.gpu` in browsers, from Dawn (the `webgpu` npm package) in Node.
 * Throws `BackendUnavailableError` naming every route tried and what to install when none gives
 * an adapter.
 *
 * @example
 * ```ts
 * const { device, route } = await acquireDevice({ dawnBackend: 'opengles' });
 * ```
 */
export async function acquireDevice(options: GpuOptions = {}): Promise<AcquiredDevice> {
  const { powerPreference = 'high-performance' } = checkOptions('acquireDevice', options, {
    dawnBackend: true,
    featureLevel: true,
    powerPreference: true,
    dawnFlags: true,
    gpu: true,
  });
  const tried: string[] = [];
  if (options.gpu || !isNode()) {
    const gpu = options.gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    if (!gpu) {
      throw new BackendUnavailableError(
        `webgpu: this browser has no WebGPU (navigator.gpu is missing); use a browser with WebGPU (Chrome or Edge 113+, Safari 26+, Firefox 141+ on Windows) over https or localhost; headless Chromium needs --enable-unsafe-webgpu`,
      );
    }
    const levels: FeatureLevel[] = options.featureLevel ? [options.featureLevel] : ['core', 'compatibility'];
    for (const featureLevel of levels) {
      const route: GpuRoute = { kind: 'browser', featureLevel };
      const got = await tryRoute(gpu, route, powerPreference, tried);
      if (got) return { gpu, ...got, route, tried, release: () => {} };
    }
    throw new BackendUnavailableError(
      `webgpu: navigator.gpu gave no adapter (tried ${tried.join('; ')}); WebGPU may be disabled or blocklisted for this GPU (see chrome://gpu), or headless Chromium lacks --enable-unsafe-webgpu`,
    );
  }
  return acquireDawn(options, powerPreference, tried);
}

async function acquireDawn(options: GpuOptions, powerPreference: GPUPowerPreference, tried: string[]): Promise<AcquiredDevice> {
  let dawn: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    dawn = await importRuntime('webgpu');
  } catch (e) {
    throw new BackendUnavailableError(
      `webgpu: in Node, WebGPU comes from Dawn through the npm package 'webgpu', which did not load (${message(e)}); install it: npm install webgpu@^0.6.2 (an optional peer dependency of @downhill/backend-webgpu)`,
    );
  }
  installGlobals(dawn.globals);
  const env = nodeEnv();
  const routes: GpuRoute[] = options.dawnBackend
    ? [{ kind: 'dawn', dawnBackend: options.dawnBackend, featureLevel: options.featureLevel ?? defaultFeatureLevel(options.dawnBackend) }]
    : defaultDawnRoutes(process.platform, await hasVulkanDriver(env)).map((r) =>
        options.featureLevel ? { ...r, featureLevel: options.featureLevel } : r,
      );
  if (!options.dawnBackend && process.platform === 'linux' && routes[0].dawnBackend !== 'vulkan') {
    tried.push('Dawn vulkan (core): skipped, no Vulkan driver (no loader manifest in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d)');
  }
  for (const route of routes) {
    if ((route.dawnBackend === 'opengles' || route.dawnBackend === 'opengl') && !env.EGL_PLATFORM) {
      // Mesa's EGL looks for a window system unless told otherwise; without one it gives no display.
      env.EGL_PLATFORM = 'surfaceless';
    }
    let gpu: GPU;
    try {
      gpu = dawn.create([`backend=${route.dawnBackend}`, ...(options.dawnFlags ?? [])]);
    } catch (e) {
      tried.push(`${describeRoute(route)}: ${message(e)}`);
      continue;
    }
    const got = await tryRoute(gpu, route, powerPreference, tried);
    if (got) {
      const release = installNavigatorGpu(gpu);
      return { gpu, ...got, route, tried, release };
    }
  }
  const egl =
    env.EGL_PLATFORM && env.EGL_PLATFORM !== 'surfaceless'
      ? `; EGL_PLATFORM is '${env.EGL_PLATFORM}': without that window system, unset it or set it to surfaceless`
      : '';
  throw new BackendUnavailableError(`webgpu: no WebGPU adapter in Node through Dawn (tried ${tried.join('; ')}); ${MESA_HINT}${egl}`);
}

async function tryRoute(
  gpu: GPU,
  route: GpuRoute,
  powerPreference: GPUPowerPreference,
  tried: string[],
): Promise<{ adapter: GPUAdapter; device: GPUDevice } | undefined> {
  let adapter: GPUAdapter | null;
  try {
    const request = () => gpu.requestAdapter({ powerPreference, featureLevel: route.featureLevel } as GPURequestAdapterOptions);
    // Dawn prints limit warnings from C++ on every adapter it makes (Mesa: two lines per start).
    adapter = route.kind === 'dawn' ? await withQuietNativeStderr(request, nodeEnv()) : await request();
  } catch (e) {
    tried.push(`${describeRoute(route)}: requestAdapter failed: ${message(e)}`);
    return undefined;
  }
  if (!adapter) {
    tried.push(`${describeRoute(route)}: no adapter`);
    return undefined;
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number | undefined>)[name];
    if (typeof v === 'number') requiredLimits[name] = v;
  }
  try {
    const device = await adapter.requestDevice({ requiredLimits });
    tried.push(`${describeRoute(route)}: ok`);
    return { adapter, device };
  } catch (e) {
    tried.push(`${describeRoute(route)}: requestDevice failed: ${message(e)}`);
    return undefined;
  }
}

/** `GPUBufferUsage`, `GPUMapMode`… as globals, which tfjs-backend-webgpu reads; existing ones are kept. */
function installGlobals(globals: Record<string, unknown>): void {
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals)) if (!(k in g)) g[k] = v;
}

/**
 * tfjs-backend-webgpu refuses to start unless `navigator.gpu` exists. Node 20 has no `navigator`;
 * later versions have one without `gpu`. Returns the undo.
 */
function installNavigatorGpu(gpu: GPU): () => void {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator?.gpu) return () => {};
  if (!g.navigator) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    return () => {
      if (g.navigator?.gpu === gpu) delete (globalThis as { navigator?: unknown }).navigator;
    };
  }
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  return () => {
    if (g.navigator?.gpu === gpu) delete g.navigator.gpu;
  };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
