import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app'
import { loadConfig } from './config/runtime'
import './index.css'

const root = createRoot(document.getElementById('root')!)

loadConfig().then(
  () =>
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  (error: unknown) =>
    root.render(
      <main className="login-page">
        <div className="login-form" role="alert">
          <h1>Kefu cannot start</h1>
          <p>The app could not read its configuration (config.json).</p>
          <p className="mono">{error instanceof Error ? error.message : String(error)}</p>
        </div>
      </main>,
    ),
)
