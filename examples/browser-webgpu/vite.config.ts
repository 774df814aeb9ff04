import { defaultClientConditions, defineConfig } from 'vite';

// Workspace packages resolve to their TypeScript source through the `source` export condition.
export default defineConfig({
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  preview: { host: '127.0.0.1' },
  server: { host: '127.0.0.1' },
});
