/** Test helpers: the runtime config, a signed-in session, a fetch that answers like the API and Cognito. */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render } from '@testing-library/react'
import type { ReactElement } from 'react'
import { MemoryRouter } from 'react-router'
import { vi } from 'vitest'
import { loadConfig } from '../config/runtime'
import { sessionStore } from '../lib/session'

export const CONFIG = {
  apiBase: '',
  region: 'us-east-1',
  userPoolId: 'us-east-1_test',
  userPoolClientId: 'client-1',
  cognitoEndpoint: 'http://cognito.test/',
}

export type Call = { url: string; method: string; target: string | null; body: unknown }

type Handler = (call: Call) => { status?: number; body?: unknown } | undefined

/** Stubs fetch: config.json is answered, every other call goes to `handler` and is recorded. */
export function stubFetch(handler: Handler): Call[] {
  const calls: Call[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      if (url.endsWith('config.json')) return new Response(JSON.stringify(CONFIG), { status: 200 })
      const headers = new Headers(init?.headers)
      const call: Call = {
        url,
        method: init?.method ?? 'GET',
        target: headers.get('X-Amz-Target'),
        body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      }
      calls.push(call)
      const answer = handler(call) ?? { status: 404, body: { message: `no stub for ${call.method} ${url}` } }
      return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
        status: answer.status ?? 200,
        headers: { 'Content-Type': 'application/json' },
      })
    }),
  )
  return calls
}

export async function withConfig(): Promise<void> {
  await loadConfig()
}

/** A JWT-shaped token that expires in an hour (the app only reads `exp`). */
export function fakeJwt(claims: Record<string, unknown> = {}): string {
  const encode = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '')
  return `${encode({ alg: 'none' })}.${encode({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims })}.sig`
}

export function signIn(username = 'agent1@example.com'): void {
  sessionStore.set({ idToken: fakeJwt(), accessToken: fakeJwt(), refreshToken: 'refresh', username })
}

export function renderWithProviders(ui: ReactElement) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } })
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>{ui}</MemoryRouter>
    </QueryClientProvider>,
  )
}
