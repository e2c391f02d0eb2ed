import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// The app is served by the Attune API itself (attune/app.py): index.html for every
// page path and the hashed files under /assets/. `npm run dev` proxies the API to a
// local `attune serve` so the session cookie stays same-origin.
export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    target: "es2020",
    // Vite would inline small files as data: URLs, which the CSP refuses for fonts
    // and media: every asset stays a file under /assets/.
    assetsInlineLimit: 0,
  },
  server: {
    // "^/s/" is a pattern: a plain "/s" prefix would also take /src/.
    proxy: { "/api": "http://127.0.0.1:8000", "^/s/": "http://127.0.0.1:8000" },
  },
});
