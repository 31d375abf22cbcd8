import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useLabel } from '../../../lib/format'
import type { TicketFilters } from '../api/get-tickets'
import { CHANNELS, PRIORITIES, TICKET_STATUSES, TIERS, type Priority, type Tier } from '../types'

const TABS = [...TICKET_STATUSES, 'all'] as const

type Props = { value: TicketFilters; onChange: (next: TicketFilters) => void; teams: string[] }

/** Status tabs, then who (mine, unassigned), team, priority, channel, tier and search. */
export function TicketFiltersBar({ value, onChange, teams }: Props) {
  const { t } = useTranslation()
  const label = useLabel()
  // Search is applied on Enter or after a pause, not on every key stroke.
  const [query, setQuery] = useState(value.q)
  const [appliedQ, setAppliedQ] = useState(value.q)
  if (appliedQ !== value.q) {
    // The URL changed under us (back button, a tab click): show what is applied now.
    setAppliedQ(value.q)
    setQuery(value.q)
  }
  useEffect(() => {
    if (query === value.q) return
    const timer = setTimeout(() => onChange({ ...value, q: query }), 400)
    return () => clearTimeout(timer)
  }, [query, value, onChange])

  const teamOptions = value.team && !teams.includes(value.team) ? [...teams, value.team] : teams

  return (
    <div className="filters">
      <div className="tabs" role="group" aria-label={t('filters.status')}>
        {TABS.map((tab) => (
          <button
            key={tab}
            type="button"
            aria-pressed={value.status === tab}
            data-testid={`status-tab-${tab}`}
            className={`tab ${value.status === tab ? 'active' : ''}`}
            onClick={() => onChange({ ...value, status: tab })}
          >
            {tab === 'all' ? t('filters.all') : label('status', tab)}
          </button>
        ))}
      </div>
      <div className="filter-controls">
        <select
          aria-label={t('filters.assignee')}
          data-testid="filter-assignee"
          value={value.assignee}
          onChange={(e) => onChange({ ...value, assignee: e.target.value as TicketFilters['assignee'] })}
        >
          <option value="">{t('filters.everyone')}</option>
          <option value="me">{t('filters.mine')}</option>
          <option value="unassigned">{t('filters.unassigned')}</option>
        </select>
        <select
          aria-label={t('filters.team')}
          data-testid="filter-team"
          value={value.team}
          onChange={(e) => onChange({ ...value, team: e.target.value })}
        >
          <option value="">{t('filters.anyTeam')}</option>
          {teamOptions.map((team) => (
            <option key={team} value={team}>
              {label('team', team)}
            </option>
          ))}
        </select>
        <select
          aria-label={t('filters.priority')}
          data-testid="filter-priority"
          value={value.priority}
          onChange={(e) => onChange({ ...value, priority: e.target.value as Priority | '' })}
        >
          <option value="">{t('filters.anyPriority')}</option>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {label('priority', p)}
            </option>
          ))}
        </select>
        <select
          aria-label={t('filters.channel')}
          data-testid="filter-channel"
          value={value.channel}
          onChange={(e) => onChange({ ...value, channel: e.target.value })}
        >
          <option value="">{t('filters.anyChannel')}</option>
          {CHANNELS.map((c) => (
            <option key={c} value={c}>
              {label('channel', c)}
            </option>
          ))}
        </select>
        <select
          aria-label={t('filters.tier')}
          data-testid="filter-tier"
          value={value.tier}
          onChange={(e) => onChange({ ...value, tier: e.target.value as Tier | '' })}
        >
          <option value="">{t('filters.anyTier')}</option>
          {TIERS.map((tier) => (
            <option key={tier} value={tier}>
              {label('tier', tier)}
            </option>
          ))}
        </select>
        <form
          role="search"
          onSubmit={(e) => {
            e.preventDefault()
            onChange({ ...value, q: query })
          }}
        >
          <input
            type="search"
            aria-label={t('filters.search')}
            placeholder={t('filters.searchPlaceholder')}
            data-testid="filter-search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </form>
      </div>
    </div>
  )
}
