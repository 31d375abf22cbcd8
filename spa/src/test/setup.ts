import { cleanup } from '@testing-library/react'
import { afterEach, beforeEach } from 'vitest'
import { i18n, initI18n } from '../lib/i18n'

initI18n('en')

beforeEach(async () => {
  localStorage.clear()
  sessionStorage.clear()
  await i18n.changeLanguage('en')
})

afterEach(() => cleanup())
