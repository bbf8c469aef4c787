import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/** `npm run dev`: answer /config.json as the static servers do (API_URL, default the local gateway). */
function devConfigJson(): Plugin {
  return {
    name: 'dev-config-json',
    configureServer(server) {
      server.middlewares.use('/config.json', (_req, res) => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ api_url: process.env.API_URL ?? 'http://127.0.0.1:3000' }));
      });
    },
  };
}

// The build must pass the Content-Security-Policy the static servers send
// (docs/web.md): no inline scripts or styles, so no CSS-in-JS and no inlined
// assets.
export default defineConfig({
  plugins: [react(), devConfigJson()],
  build: {
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
