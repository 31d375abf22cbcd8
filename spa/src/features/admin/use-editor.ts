import { useState } from 'react'

type Resettable = { reset: () => void }

/** An admin screen's edit state: the draft in the form (null while the form is closed) and the notice the last
 * save left. `edit` opens a draft with the saves' old errors and the notice cleared; `saved` closes the form
 * and says so. */
export function useEditor<Draft>(...saves: Resettable[]) {
  const [draft, setDraft] = useState<Draft | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const edit = (next: Draft) => {
    for (const save of saves) save.reset()
    setNotice(null)
    setDraft(next)
  }
  const saved = (message: string) => {
    setDraft(null)
    setNotice(message)
  }
  return { draft, setDraft, notice, setNotice, edit, saved }
}
