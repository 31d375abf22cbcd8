import { cleanup, configure } from '@testing-library/react'
import { afterEach, beforeEach } from 'vitest'
import { i18n, initI18n } from '../lib/i18n'

initI18n('en')
// Waits are bounds, not measurements: a loaded CI machine (2 cores, many suites) must not fail them.
configure({ asyncUtilTimeout: 10_000 })

beforeEach(async () => {
  localStorage.clear()
  sessionStorage.clear()
  await i18n.changeLanguage('en')
})

afterEach(() => cleanup())
