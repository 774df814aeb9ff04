/// <reference types="@webgpu/types" />

/** Dawn's backends, as the `webgpu` package's `create(['backend=…'])` names them. */
export type DawnBackend = 'vulkan' | 'opengles' | 'opengl' | 'metal' | 'd3d12' | 'd3d11' | 'null';

/** WebGPU's feature levels: `core` is full WebGPU; `compatibility` runs on OpenGL ES 3.1 and older GPUs. */
export type FeatureLevel = 'core' | 'compatibility';

/**
 * One way of reaching a WebGPU adapter: the browser's `navigator.gpu`, or Dawn in Node with a
 * given Dawn backend and feature level.
 */
export interface GpuRoute {
  /** `browser` (`navigator.gpu`) or `dawn` (the `webgpu` npm package in Node). */
  readonly kind: 'browser' | 'dawn';
  /** Dawn's backend (for `dawn` routes). */
  readonly dawnBackend?: DawnBackend;
  /** The feature level asked of `requestAdapter`. */
  readonly featureLevel: FeatureLevel;
}

/** `dawn opengles (compatibility)`, `navigator.gpu (core)`: how routes appear in messages. */
export function describeRoute(route: GpuRoute): string {
  return route.kind === 'browser' ? `navigator.gpu (${route.featureLevel})` : `Dawn ${route.dawnBackend} (${route.featureLevel})`;
}

/** Whether this is Node (or a runtime that looks like it) rather than a browser. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined';
}

/** The feature level a Dawn backend works at by default: compatibility on OpenGL (ES), core elsewhere. */
export function defaultFeatureLevel(dawnBackend: DawnBackend): FeatureLevel {
  return dawnBackend === 'opengles' || dawnBackend === 'opengl' ? 'compatibility' : 'core';
}

const VULKAN_ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

/**
 * Whether a Vulkan driver is installed, judged by its loader manifests (every Vulkan driver, from
 * NVIDIA's to Mesa's lavapipe, installs one). Without one, Dawn's Vulkan backend finds no adapter
 * and prints a warning, so the default routes skip it.
 */
export async function hasVulkanDriver(env: Record<string, string | undefined> = nodeEnv()): Promise<boolean> {
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES || env.VK_ADD_DRIVER_FILES) return true;
  const { existsSync, readdirSync } = await importRuntime<typeof import('node:fs')>('node:fs');
  return VULKAN_ICD_DIRS.some((d) => {
    try {
      return existsSync(d) && readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

/**
 * The Dawn routes tried by default in Node, in order: Metal on macOS, Direct3D 12 on Windows; on
 * Linux, Vulkan at core level where a Vulkan driver is installed (GPUs, or Mesa's lavapipe), then
 * OpenGL ES at compatibility level (Mesa's EGL, which runs without a GPU).
 */
export function defaultDawnRoutes(platform: string, vulkan: boolean): GpuRoute[] {
  if (platform === 'darwin') return [{ kind: 'dawn', dawnBackend: 'metal', featureLevel: 'core' }];
  if (platform === 'win32') return [{ kind: 'dawn', dawnBackend: 'd3d12', featureLevel: 'core' }];
  const routes: GpuRoute[] = [];
  if (vulkan) routes.push({ kind: 'dawn', dawnBackend: 'vulkan', featureLevel: 'core' });
  routes.push({ kind: 'dawn', dawnBackend: 'opengles', featureLevel: 'compatibility' });
  return routes;
}

/** `process.env` in Node, an empty record elsewhere. */
export function nodeEnv(): Record<string, string | undefined> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
}

/**
 * A dynamic import that bundlers leave alone (the specifier is a variable): Node-only modules
 * (`node:fs`, the native `webgpu` package) stay out of browser bundles.
 */
export function importRuntime<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}
