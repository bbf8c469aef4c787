import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The build must pass the Content-Security-Policy the static servers send
// (docs/web.md): no inline scripts or styles, so no CSS-in-JS and no inlined
// assets that would need `data:` for scripts.
export default defineConfig({
  plugins: [react()],
  build: {
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
