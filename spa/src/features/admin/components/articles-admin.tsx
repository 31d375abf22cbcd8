import { useState, type ChangeEvent, type FormEvent } from 'react'
import { Alert } from '../../../components/ui/alert'
import { useFormatters } from '../../../lib/format'
import { joinList, splitList, useArticles, useDeleteArticle, useImportArticles, usePublishArticle, useSaveArticle, type Article, type ArticleFields, type ImportResult } from '../api'
import { useAdminTranslation } from '../i18n'
import { useEditor } from '../use-editor'
import { AdminForm } from './admin-form'
import { EditButton } from './buttons'
import { TextField } from './fields'
import { langOf } from './lang'
import { ListState } from './list-state'
import { MarkdownPreview } from './markdown'

const CATEGORY = /^[a-z][a-z0-9_-]{0,47}$/
const LOCALES = ['zh-CN', 'en'] as const

type Draft = { id?: string; version?: number; title: string; body: string; locale: string; category: string; tags: string; questions: string; visibility: 'public' | 'internal'; status: 'draft' | 'published' }

const draftOf = (a: Article | null, locale: string): Draft => ({
  id: a?.id,
  version: a?.version,
  title: a?.title ?? '',
  body: a?.body ?? '',
  locale: a?.locale ?? locale,
  category: a?.category ?? '',
  tags: joinList(a?.tags),
  questions: (a?.questions ?? []).join('\n'),
  visibility: a?.visibility ?? 'public',
  status: a?.status ?? 'draft',
})

/** Knowledge-base articles (supervisors and admins): the list, a Markdown editor with a preview, publish and
 * unpublish, delete, and import (checked first with a dry run). */
export function ArticlesAdmin() {
  const { t, i18n } = useAdminTranslation()
  const format = useFormatters()
  const [status, setStatus] = useState<'' | 'draft' | 'published'>('')
  const [query, setQuery] = useState('')
  const list = useArticles(status)
  const save = useSaveArticle()
  const publish = usePublishArticle()
  const remove = useDeleteArticle()
  const { draft, setDraft, notice, setNotice, edit, saved } = useEditor<Draft>(save)
  const [preview, setPreview] = useState(false)
  const language = i18n.language.startsWith('zh') ? 'zh-CN' : 'en'

  const categoryError = draft?.category && !CATEGORY.test(draft.category) ? t('invalidPattern') : null
  const valid = draft && draft.title.trim() && draft.body.trim() && !categoryError

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!draft || !valid) return
    const fields: ArticleFields = {
      title: draft.title.trim(),
      body: draft.body,
      locale: draft.locale,
      category: draft.category || null,
      tags: splitList(draft.tags),
      questions: draft.questions.split('\n').map((q) => q.trim()).filter(Boolean),
      visibility: draft.visibility,
      status: draft.status,
    }
    save.mutate({ id: draft.id, fields }, { onSuccess: () => saved(t('saved')) })
  }
  const open = (article: Article | null) => {
    setPreview(false)
    edit(draftOf(article, language))
  }
  const toggle = (article: Article) =>
    publish.mutate(
      { id: article.id, publish: article.status !== 'published' },
      { onSuccess: (changed) => setNotice(t(changed.status === 'published' ? 'articles.publishedNotice' : 'articles.unpublishedNotice', { title: changed.title })) },
    )
  const actionError = publish.error ?? remove.error
  const needle = query.trim().toLocaleLowerCase()
  const shown = (list.data?.items ?? []).filter((a) => !needle || a.title.toLocaleLowerCase().includes(needle) || a.tags.some((tag) => tag.toLocaleLowerCase().includes(needle)))

  return (
    <div className="admin-stack" data-testid="admin-articles">
      <section className="admin-section" aria-labelledby="articles-title">
        <h2 id="articles-title">{t('articles.title')}</h2>
        <p className="muted">{t('articles.hint')}</p>
        {notice && <Alert tone="info" onDismiss={() => setNotice(null)}>{notice}</Alert>}
        {actionError && <Alert onDismiss={() => { publish.reset(); remove.reset() }}>{actionError.message}</Alert>}
        <div className="toolbar">
          {!draft && (
            <button type="button" className="button primary" onClick={() => open(null)} data-testid="article-new">
              {t('articles.new')}
            </button>
          )}
          <label className="inline-field">
            {t('articles.search')}
            <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="article-search" />
          </label>
          <label className="inline-field">
            {t('articles.filter')}
            <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)} data-testid="article-filter">
              <option value="">{t('articles.all')}</option>
              <option value="draft">{t('articles.draft')}</option>
              <option value="published">{t('articles.published')}</option>
            </select>
          </label>
        </div>
        {draft && (
          <AdminForm name="article" title={draft.id ? t('articles.editTitle', { title: draft.title, version: draft.version }) : t('articles.new')} onSubmit={submit} onCancel={() => setDraft(null)} save={save} valid={Boolean(valid)}>
            <div className="form-grid">
              <TextField id="article-title" label={t('articles.titleField')} value={draft.title} onChange={(title) => setDraft({ ...draft, title })} required maxLength={200} testId="article-title" />
              <div className="field">
                <label htmlFor="article-locale">{t('articles.locale')}</label>
                <select id="article-locale" value={draft.locale} onChange={(e) => setDraft({ ...draft, locale: e.target.value })} data-testid="article-locale">
                  <LocaleOptions />
                </select>
              </div>
              <TextField id="article-category" label={`${t('articles.category')} ${t('optional')}`} value={draft.category} onChange={(category) => setDraft({ ...draft, category: category.trim() })} error={categoryError} />
              <TextField id="article-tags" label={t('articles.tags')} value={draft.tags} onChange={(tags) => setDraft({ ...draft, tags })} hint={t('listHint')} />
            </div>
            <fieldset className="inline-choices">
              <legend>{t('articles.visibility')}</legend>
              {(['public', 'internal'] as const).map((v) => (
                <label key={v} className="checkbox">
                  <input type="radio" name="article-visibility" checked={draft.visibility === v} onChange={() => setDraft({ ...draft, visibility: v })} data-testid={`article-visibility-${v}`} />
                  {t(`articles.${v}`)}
                </label>
              ))}
            </fieldset>
            <div className="field">
              <div className="editor-head">
                <label htmlFor="article-body" id="article-body-label">
                  {t('articles.body')}
                </label>
                <span className="alert-buttons" role="group" aria-labelledby="article-body-label">
                  <button type="button" className="button" aria-pressed={!preview} onClick={() => setPreview(false)}>
                    {t('articles.write')}
                  </button>
                  <button type="button" className="button" aria-pressed={preview} onClick={() => setPreview(true)} data-testid="article-preview-toggle">
                    {t('articles.preview')}
                  </button>
                </span>
              </div>
              {preview ? (
                <div className="markdown-preview panel" data-testid="article-preview" lang={langOf(draft.locale)}>
                  {draft.body.trim() ? <MarkdownPreview source={draft.body} /> : <p className="muted">{t('articles.emptyPreview')}</p>}
                </div>
              ) : (
                <textarea id="article-body" rows={12} required maxLength={50000} value={draft.body} onChange={(e) => setDraft({ ...draft, body: e.target.value })} data-testid="article-body" lang={langOf(draft.locale)} />
              )}
            </div>
            <div className="field">
              <label htmlFor="article-questions">{t('articles.questions')}</label>
              <textarea id="article-questions" rows={3} value={draft.questions} onChange={(e) => setDraft({ ...draft, questions: e.target.value })} />
            </div>
          </AdminForm>
        )}
        <ListState query={list} items={list.data && shown} empty={t('articles.none')}>
          {(items) => (
            <ul className="composer-list panel" data-testid="article-list">
              {items.map((article) => (
                <li key={article.id} data-testid={`article-row-${article.id}`}>
                  <div>
                    <strong lang={langOf(article.locale)}>{article.title}</strong>{' '}
                    <span className={`badge ${article.status === 'published' ? 'status-resolved' : 'status-pending'}`}>{t(article.status === 'published' ? 'articles.statusPublished' : 'articles.statusDraft')}</span>{' '}
                    <span className="badge">{article.visibility === 'public' ? t('articles.public') : t('articles.internal')}</span>{' '}
                    <span className="muted">
                      {article.locale} · {t('articles.version', { version: article.version })} · {format.dateTime(article.updated_at)}
                    </span>
                  </div>
                  <span className="alert-buttons">
                    <EditButton name={article.title} onClick={() => open(article)} />
                    <button
                      type="button"
                      className="button"
                      disabled={publish.isPending}
                      aria-label={t(article.status === 'published' ? 'articles.unpublishNamed' : 'articles.publishNamed', { title: article.title })}
                      onClick={() => toggle(article)}
                      data-testid={`article-publish-${article.id}`}
                    >
                      {article.status === 'published' ? t('articles.unpublish') : t('articles.publish')}
                    </button>
                    <button
                      type="button"
                      className="button"
                      disabled={remove.isPending}
                      aria-label={t('articles.deleteNamed', { title: article.title })}
                      onClick={() => {
                        if (window.confirm(t('articles.confirmDelete', { title: article.title }))) remove.mutate(article.id, { onSuccess: () => setNotice(t('articles.deleted')) })
                      }}
                    >
                      {t('articles.delete')}
                    </button>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </ListState>
      </section>
      <ImportPanel defaultLocale={language} />
    </div>
  )
}

/** The article languages, each named in itself. */
function LocaleOptions() {
  return LOCALES.map((l) => (
    <option key={l} value={l} lang={l}>
      {l === 'zh-CN' ? '简体中文' : 'English'}
    </option>
  ))
}

function ImportPanel({ defaultLocale }: { defaultLocale: string }) {
  const { t } = useAdminTranslation()
  const run = useImportArticles()
  const [format, setFormat] = useState<'markdown' | 'csv'>('markdown')
  const [content, setContent] = useState('')
  const [locale, setLocale] = useState(defaultLocale)
  const [result, setResult] = useState<ImportResult | null>(null)

  const readFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0]
    if (!file) return
    setContent(await file.text())
    if (file.name.toLowerCase().endsWith('.csv')) setFormat('csv')
    setResult(null)
  }
  const go = (dryRun: boolean) => (event?: FormEvent) => {
    event?.preventDefault()
    if (!content.trim()) return
    setResult(null)
    run.mutate({ format, content, locale, dry_run: dryRun }, { onSuccess: setResult })
  }

  return (
    <section className="admin-section panel" aria-labelledby="import-title" data-testid="article-import">
      <h2 id="import-title">{t('articles.import')}</h2>
      <p className="muted">{t('articles.importHint')}</p>
      <form className="admin-form" onSubmit={go(false)}>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="import-format">{t('articles.format')}</label>
            <select id="import-format" value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
              <option value="markdown">Markdown</option>
              <option value="csv">CSV</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="import-locale">{t('articles.importLocale')}</label>
            <select id="import-locale" value={locale} onChange={(e) => setLocale(e.target.value)}>
              <LocaleOptions />
            </select>
          </div>
          <div className="field">
            <label htmlFor="import-file">{t('articles.file')}</label>
            <input id="import-file" type="file" accept=".md,.markdown,.csv,text/markdown,text/csv,text/plain" onChange={readFile} />
          </div>
        </div>
        <div className="field">
          <label htmlFor="import-content">{t('articles.content')}</label>
          <textarea id="import-content" rows={6} className="mono" value={content} onChange={(e) => setContent(e.target.value)} data-testid="import-content" />
        </div>
        <div className="form-actions">
          <button type="button" className="button" disabled={!content.trim() || run.isPending} onClick={() => go(true)()} data-testid="import-check">
            {t('articles.check')}
          </button>
          <button type="submit" className="button primary" disabled={!content.trim() || run.isPending} data-testid="import-submit">
            {t('articles.doImport')}
          </button>
        </div>
      </form>
      {run.error && <Alert onDismiss={() => run.reset()}>{run.error.message}</Alert>}
      {result && (
        <div data-testid="import-result" aria-live="polite">
          <p>{t(result.dry_run ? 'articles.wouldCreate' : 'articles.created', { count: result.created.length })}</p>
          <ul>
            {result.created.map((a, i) => (
              <li key={a.id ?? i} lang={langOf(a.locale)}>
                {a.title}
              </li>
            ))}
          </ul>
          {result.errors.length > 0 && (
            <>
              <h3>{t('articles.problems')}</h3>
              <ul className="field-error">
                {result.errors.map((error, i) => (
                  <li key={i}>{error}</li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  )
}
