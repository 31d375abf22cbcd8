import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// `npm run dev` talks to a running local cloud (`make dev`); KEFU_GATEWAY overrides its address.
const gateway = process.env.KEFU_GATEWAY ?? `http://127.0.0.1:${process.env.KEFU_PORT ?? '8080'}`

export default defineConfig({
  // The gateway (and CloudFront in AWS) serves the app under /app/.
  base: '/app/',
  plugins: [react()],
  // No source maps in the build: spa/dist is what the stack publishes, and maps would hand out the whole
  // source (and cost transfer). `npm run dev` serves the sources with maps for debugging.
  build: { outDir: 'dist', sourcemap: false },
  server: {
    proxy: {
      '/api': gateway,
      '/config.json': gateway,
    },
  },
})
