import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The studio builds to static files that work from any static host, at its root or in a sub-folder:
// every URL in the build is relative to the page (base './'), workers, WebAssembly and WGSL
// included, and the app fetches its own files relative to document.baseURI. QUANT_STUDIO_BASE sets
// an absolute base instead (e.g. '/tools/quant-studio/') for a host that needs one.
export default defineConfig({
  base: process.env.QUANT_STUDIO_BASE || './',
  plugins: [react()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: { host: '127.0.0.1' },
});
