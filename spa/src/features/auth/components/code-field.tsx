import { useTranslation } from 'react-i18next'

type Props = { value: string; onChange: (code: string) => void; describedBy: string; autoFocus?: boolean }

/** The authenticator's six-digit code, labelled; anything but digits is dropped as it is typed. */
export function CodeField({ value, onChange, describedBy, autoFocus }: Props) {
  const { t } = useTranslation()
  return (
    <label>
      {t('mfa.codeLabel')}
      <input
        name="totp"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]{6}"
        maxLength={6}
        required
        autoFocus={autoFocus}
        aria-describedby={describedBy}
        data-testid="mfa-code"
        value={value}
        onChange={(e) => onChange(e.target.value.replace(/\D/g, ''))}
      />
    </label>
  )
}
