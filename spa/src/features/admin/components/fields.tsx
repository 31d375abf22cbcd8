import type { InputHTMLAttributes, ReactNode } from 'react'
import { useAdminTranslation } from '../i18n'
import { durationSeconds } from '../api'

type TextFieldProps = {
  id: string
  label: ReactNode
  value: string
  onChange: (value: string) => void
  hint?: ReactNode
  /** Shown under the field, announced with it, and marks it invalid. */
  error?: string | null
  testId?: string
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'id'>

/** A labelled input with its hint and its validation message tied to it (aria-describedby). */
export function TextField({ id, label, value, onChange, hint, error, testId, ...rest }: TextFieldProps) {
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={described} data-testid={testId} {...rest} />
      {hint && (
        <span id={`${id}-hint`} className="muted field-hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  )
}

type SelectFieldProps<V extends string> = {
  id: string
  label: ReactNode
  value: V
  onChange: (value: V) => void
  options: readonly V[]
  /** What an option is called. */
  optionLabel: (option: V) => string
  /** A first option with the value '' ("any", "keep"), when the field may be left unset. */
  empty?: string
  disabled?: boolean
  testId?: string
}

/** A labelled select of a list of values. */
export function SelectField<V extends string>({ id, label, value, onChange, options, optionLabel, empty, disabled, testId }: SelectFieldProps<V>) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as V)} data-testid={testId}>
        {empty !== undefined && <option value="">{empty}</option>}
        {options.map((option) => (
          <option key={option} value={option}>
            {optionLabel(option)}
          </option>
        ))}
      </select>
    </div>
  )
}

/** A duration field: the ISO text, what it means in words, or why it is refused. */
export function DurationField({ id, label, value, onChange, required, testId, hint }: { id: string; label: ReactNode; value: string; onChange: (v: string) => void; required?: boolean; testId?: string; hint?: ReactNode }) {
  const { t, i18n } = useAdminTranslation()
  const seconds = value ? durationSeconds(value) : null
  const error = value && seconds === null ? t('badDuration', { value }) : null
  const words = seconds !== null ? t('durationMeans', { duration: spell(seconds, i18n.language) }) : null
  return (
    <TextField
      id={id}
      label={label}
      value={value}
      onChange={(v) => onChange(v.trim().toUpperCase())}
      required={required}
      placeholder="PT15M"
      hint={[hint ?? t('durationHint'), words].filter(Boolean).join(' · ')}
      error={error}
      testId={testId}
      spellCheck={false}
      autoComplete="off"
    />
  )
}

function spell(seconds: number, locale: string): string {
  const parts: string[] = []
  const units: [number, Intl.NumberFormatOptions['unit']][] = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ]
  let rest = seconds
  for (const [size, unit] of units) {
    const count = Math.floor(rest / size)
    if (count) parts.push(new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(count))
    rest -= count * size
  }
  return parts.join(locale.startsWith('zh') ? '' : ' ') || '0'
}
