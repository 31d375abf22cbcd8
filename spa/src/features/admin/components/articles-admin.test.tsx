import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { renderWithProviders, signIn, stubFetch, withConfig, type Call } from '../../../test/helpers'
import type { Article, ArticleFields } from '../api'
import { expectNoSeriousViolations } from '../test/helpers'
import { ArticlesAdmin } from './articles-admin'

const ID1 = '01JARTICLEARTICLEARTICLE01'
const ID2 = '01JARTICLEARTICLEARTICLE02'
const stamp = '2026-12-01T10:00:00Z'
let articles: Article[]
let calls: Call[]

const article = (id: string, fields: Partial<ArticleFields>): Article => ({ id, version: 1, created_at: stamp, updated_at: stamp, title: '', body: '', locale: 'en', tags: [], questions: [], visibility: 'public', status: 'draft', ...fields })

beforeEach(async () => {
  articles = [article(ID1, { title: '如何退货', body: '七天无理由退货。', locale: 'zh-CN', status: 'published' })]
  calls = stubFetch((call) => {
    const url = new URL(call.url, 'http://x')
    if (url.pathname === '/api/v1/admin/kb/articles' && call.method === 'GET') {
      const status = url.searchParams.get('status')
      return { body: { items: articles.filter((a) => !status || a.status === status) } }
    }
    if (url.pathname === '/api/v1/admin/kb/articles' && call.method === 'POST') {
      const created = article(ID2, call.body as ArticleFields)
      articles = [created, ...articles]
      return { status: 201, body: created }
    }
    const publish = /\/api\/v1\/admin\/kb\/articles\/(\w+)\/(publish|unpublish)$/.exec(url.pathname)
    if (publish) {
      articles = articles.map((a) => (a.id === publish[1] ? { ...a, status: publish[2] === 'publish' ? 'published' : 'draft', version: a.version + 1 } : a))
      return { body: articles.find((a) => a.id === publish[1]) }
    }
    if (call.method === 'DELETE') {
      articles = articles.filter((a) => !url.pathname.endsWith(a.id))
      return { body: { id: ID1, deleted: true } }
    }
    if (url.pathname === '/api/v1/admin/kb/import') {
      const body = call.body as { content: string; dry_run: boolean }
      if (body.content.includes('no title')) return { status: 400, body: { message: 'nothing was imported: document 1: no title' } }
      return { body: { created: [article('01JARTICLEARTICLEARTICLE03', { title: 'Shipping times' })], errors: [], dry_run: body.dry_run } }
    }
    return undefined
  })
  await withConfig()
  signIn('supervisor@example.com')
})

describe('the articles screen', () => {
  it('an author writes an article with a Markdown preview, saves a draft and publishes it', async () => {
    const user = userEvent.setup()
    const { container } = renderWithProviders(<ArticlesAdmin />)
    await screen.findByTestId('article-list')
    await user.click(screen.getByTestId('article-new'))
    await user.type(screen.getByTestId('article-title'), 'Invoices')
    await user.click(screen.getByTestId('article-body'))
    await user.paste('# Getting an invoice\n\nOpen **Orders** and pick [the order](https://example.com/orders).\n\n- one\n- two\n\n<script>alert(1)</script>')
    await user.click(screen.getByTestId('article-preview-toggle'))
    const preview = screen.getByTestId('article-preview')
    expect(within(preview).getByRole('heading', { name: 'Getting an invoice' }).tagName).toBe('H4')
    expect(within(preview).getByText('Orders').tagName).toBe('STRONG')
    expect(within(preview).getByRole('link', { name: 'the order' }).getAttribute('href')).toBe('https://example.com/orders')
    expect(within(preview).getAllByRole('listitem')).toHaveLength(2)
    expect(preview.querySelector('script')).toBeNull() // shown as text, never run
    expect(preview.textContent).toContain('<script>alert(1)</script>')
    await user.click(screen.getByTestId('article-visibility-internal'))
    await expectNoSeriousViolations(container)
    await user.click(screen.getByTestId('article-save'))
    await waitFor(() => expect(screen.queryByTestId('article-form')).toBeNull())
    expect(calls.find((c) => c.method === 'POST' && c.url.endsWith('/admin/kb/articles'))?.body).toMatchObject({ title: 'Invoices', locale: 'en', visibility: 'internal', status: 'draft', tags: [] })

    const row = await screen.findByTestId(`article-row-${ID2}`)
    expect(row.textContent).toContain('draft')
    await user.click(within(row).getByRole('button', { name: 'Publish “Invoices”' }))
    expect(await screen.findByText('“Invoices” is published.')).toBeTruthy()
    await waitFor(() => expect(screen.getByTestId(`article-row-${ID2}`).textContent).toContain('published'))
    expect(calls.some((c) => c.url.endsWith(`/admin/kb/articles/${ID2}/publish`))).toBe(true)
  })

  it('filters by status, deletes after a confirmation, and imports after a dry run (the API’s refusal shown)', async () => {
    const user = userEvent.setup()
    vi.spyOn(window, 'confirm').mockReturnValue(true)
    renderWithProviders(<ArticlesAdmin />)
    await screen.findByTestId('article-list')
    await user.selectOptions(screen.getByTestId('article-filter'), 'draft')
    expect(await screen.findByText('No articles.')).toBeTruthy()
    await user.selectOptions(screen.getByTestId('article-filter'), '')
    await user.type(screen.getByTestId('article-search'), 'gift')
    expect(await screen.findByText('No articles.')).toBeTruthy()
    await user.clear(screen.getByTestId('article-search'))
    await user.type(screen.getByTestId('article-search'), '退货')
    expect(within(screen.getByTestId('article-list')).getAllByRole('listitem')).toHaveLength(1)
    await user.click(await screen.findByRole('button', { name: 'Delete “如何退货”' }))
    expect(await screen.findByText('Article deleted.')).toBeTruthy()

    await user.type(screen.getByTestId('import-content'), 'no title here')
    await user.click(screen.getByTestId('import-check'))
    expect((await screen.findByRole('alert')).textContent).toContain('document 1: no title')
    await user.clear(screen.getByTestId('import-content'))
    await user.type(screen.getByTestId('import-content'), '---{enter}title: Shipping times{enter}---{enter}Two days.')
    await user.click(screen.getByTestId('import-check'))
    expect((await screen.findByTestId('import-result')).textContent).toContain('Would create 1 article(s):Shipping times')
    await user.click(screen.getByTestId('import-submit'))
    await waitFor(() => expect(screen.getByTestId('import-result').textContent).toContain('Imported 1 article(s)'))
    expect(calls.filter((c) => c.url.endsWith('/admin/kb/import')).map((c) => (c.body as { dry_run: boolean }).dry_run)).toEqual([true, true, false])
  })
})
