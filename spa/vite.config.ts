import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// `npm run dev` talks to a running local cloud (`make dev`); KEFU_GATEWAY overrides its address.
const gateway = process.env.KEFU_GATEWAY ?? `http://127.0.0.1:${process.env.KEFU_PORT ?? '8080'}`

export default defineConfig({
  // The gateway (and CloudFront in AWS) serves the app under /app/.
  base: '/app/',
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: true },
  server: {
    proxy: {
      '/api': gateway,
      '/config.json': gateway,
    },
  },
})
