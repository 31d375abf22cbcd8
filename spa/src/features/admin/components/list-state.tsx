import type { ReactNode } from 'react'
import { Alert } from '../../../components/ui/alert'
import { Spinner } from '../../../components/ui/spinner'
import { useAdminTranslation } from '../i18n'

type Loading = { isPending: boolean; isError: boolean; error: { message: string } | null }

type ListStateProps<T> = {
  /** The query the list comes from: a spinner while it loads, its error if it fails. */
  query: Loading
  /** The items to show; undefined while there is nothing loaded yet. */
  items: T[] | undefined
  /** Said when the loaded list is empty. */
  empty: string
  children: (items: T[]) => ReactNode
}

/** A list's states: loading, failed, empty, or the list itself (drawn by children). */
export function ListState<T>({ query, items, empty, children }: ListStateProps<T>) {
  return (
    <>
      {query.isPending && <Spinner />}
      {query.isError && <Alert>{query.error?.message}</Alert>}
      {items && items.length === 0 && <p className="muted">{empty}</p>}
      {items && items.length > 0 && children(items)}
    </>
  )
}

/** An admin list as a table: the column heads, then an unlabelled column for the edit buttons if `editable`. */
export function AdminTable({ testId, columns, editable = true, children }: { testId: string; columns: string[]; editable?: boolean; children: ReactNode }) {
  const { t } = useAdminTranslation()
  return (
    <div className="table-wrap">
      <table className="admin-table" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
            {editable && (
              <th scope="col">
                <span className="visually-hidden">{t('edit')}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  )
}
