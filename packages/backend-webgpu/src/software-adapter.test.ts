import { describe, expect, it } from 'vitest';
import { softwareAdapter } from './software-adapter.js';

describe('softwareAdapter', () => {
  it.each([
    // what Dawn reports on Mesa's OpenGL ES (this machine) and Vulkan drivers, Chromium's SwiftShader, Windows's WARP
    [
      { vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6' },
      'llvmpipe-llvm-15-0-6-256-bits-, OpenGL version OpenGL ES 3.2 Mesa 22.3.6',
    ],
    [
      { vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: 'lavapipe' },
      'llvmpipe (LLVM 15.0.6, 256 bits), lavapipe, mesa',
    ],
    [{ vendor: 'google', architecture: 'swiftshader', device: '', description: '' }, 'google, swiftshader'],
    [
      { vendor: 'microsoft', architecture: '', device: 'Microsoft Basic Render Driver', description: '' },
      'Microsoft Basic Render Driver, microsoft',
    ],
    [{ vendor: 'x', architecture: 'y', isFallbackAdapter: true }, 'x, y (a fallback adapter)'],
  ])('%j is software', (info, text) => {
    expect(softwareAdapter(info)).toBe(text);
    expect(softwareAdapter({ info } as never)).toBe(text);
  });

  it.each([
    [{ vendor: 'nvidia', architecture: 'ada-lovelace', device: 'NVIDIA H200', description: '' }],
    [
      {
        vendor: 'intel',
        architecture: 'gen-12lp',
        device: 'Mesa Intel(R) UHD Graphics 620 (KBL GT2)',
        description: 'OpenGL ES 3.2 Mesa 22.3.6',
      },
    ],
    [{ vendor: 'apple', architecture: 'metal-3', device: '', description: '' }],
  ])('%j is a GPU', (info) => {
    expect(softwareAdapter(info)).toBeUndefined();
  });
});
