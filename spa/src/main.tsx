import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app'
import { loadConfig } from './config/runtime'
import { i18n, initI18n } from './lib/i18n'
import './index.css'

initI18n()
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
          <h1>{i18n.t('startup.title')}</h1>
          <p>{i18n.t('startup.config')}</p>
          <p className="mono">{error instanceof Error ? error.message : String(error)}</p>
        </div>
      </main>,
    ),
)
