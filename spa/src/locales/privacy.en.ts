/** English strings of the customer panel's contact reveal (spread into en.ts; privacy.zh-CN.ts has the same keys). */
export const privacyEn = {
  reveal: {
    button: 'Reveal',
    buttonLabel: 'Reveal the full phone number, email and channel ids',
    title: 'Reveal contact details',
    hint: 'Phone numbers and emails are masked. Revealing them is recorded in the audit log with your reason.',
    reason: 'Reason',
    reasonPlaceholder: 'Why do you need the full details? (e.g. the customer asked for a call back)',
    submit: 'Reveal',
    revealing: 'Revealing…',
    revealed: 'Shown in full until you leave this ticket; recorded in the audit log.',
  },
}
