import { beforeAll, describe, expect, it } from 'vitest'
import { fakeJwt, stubFetch, withConfig } from '../test/helpers'
import { api, ApiError } from './api-client'
import { sessionStore } from './session'

const expired = () => fakeJwt({ exp: Math.floor(Date.now() / 1000) - 10 })

beforeAll(async () => {
  stubFetch(() => undefined)
  await withConfig()
})

describe('token refresh', () => {
  it('renews an expiring ID token with the refresh token before calling the API', async () => {
    const fresh = fakeJwt({ n: 'fresh' })
    const freshAccess = fakeJwt({ n: 'access' })
    const calls = stubFetch((call) => {
      if (call.target?.endsWith('InitiateAuth')) return { body: { AuthenticationResult: { IdToken: fresh, AccessToken: freshAccess } } }
      if (call.url.endsWith('/api/v1/me')) return { body: { id: 'a' } }
      return undefined
    })
    sessionStore.set({ idToken: expired(), accessToken: expired(), refreshToken: 'r1', username: 'u' })
    await expect(api.get('/me')).resolves.toEqual({ id: 'a' })
    expect(calls[0]?.body).toMatchObject({ AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: 'r1' } })
    expect(sessionStore.get()).toMatchObject({ idToken: fresh, accessToken: freshAccess, refreshToken: 'r1' })
  })

  it('renews once on a 401 and retries; a second 401 ends the session', async () => {
    let apiCalls = 0
    stubFetch((call) => {
      if (call.target?.endsWith('InitiateAuth')) return { body: { AuthenticationResult: { IdToken: fakeJwt() } } }
      apiCalls += 1
      return { status: 401, body: { message: 'Unauthorized' } }
    })
    sessionStore.set({ idToken: fakeJwt(), accessToken: fakeJwt(), refreshToken: 'r1', username: 'u' })
    const error = await api.get('/me').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(401)
    expect(apiCalls).toBe(2)
    expect(sessionStore.get()).toBeNull()
  })
})
