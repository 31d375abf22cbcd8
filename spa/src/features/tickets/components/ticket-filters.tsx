import { useEffect, useState } from 'react'
import { humanize } from '../../../lib/format'
import type { TicketFilters } from '../api/get-tickets'
import { PRIORITIES, TICKET_STATUSES, type Priority, type TicketStatus } from '../types'

const TABS: (TicketStatus | 'all')[] = [...TICKET_STATUSES, 'all']

type Props = { value: TicketFilters; onChange: (next: TicketFilters) => void }

export function TicketFiltersBar({ value, onChange }: Props) {
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

  return (
    <div className="filters">
      <div className="tabs" role="tablist" aria-label="Status">
        {TABS.map((tab) => (
          <button
            key={tab}
            type="button"
            role="tab"
            aria-selected={value.status === tab}
            data-testid={`status-tab-${tab}`}
            className={`tab ${value.status === tab ? 'active' : ''}`}
            onClick={() => onChange({ ...value, status: tab })}
          >
            {tab === 'all' ? 'All' : humanize(tab)}
          </button>
        ))}
      </div>
      <div className="filter-controls">
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="filter-mine"
            checked={value.assignee === 'me'}
            onChange={(e) => onChange({ ...value, assignee: e.target.checked ? 'me' : '' })}
          />
          Mine
        </label>
        <label>
          <span className="visually-hidden">Priority</span>
          <select
            aria-label="Priority filter"
            data-testid="filter-priority"
            value={value.priority}
            onChange={(e) => onChange({ ...value, priority: e.target.value as Priority | '' })}
          >
            <option value="">Any priority</option>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {humanize(p)}
              </option>
            ))}
          </select>
        </label>
        <form
          role="search"
          onSubmit={(e) => {
            e.preventDefault()
            onChange({ ...value, q: query })
          }}
        >
          <input
            type="search"
            aria-label="Search tickets"
            placeholder="Search…"
            data-testid="filter-search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </form>
      </div>
    </div>
  )
}
