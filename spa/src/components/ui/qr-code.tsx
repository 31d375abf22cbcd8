import { useMemo } from 'react'
import { encode } from 'uqr'

type Props = { value: string; label: string; size?: number; testId?: string }

/** A QR code drawn here, in the browser (no image service sees the secret it carries). */
export function QrCode({ value, label, size = 200, testId }: Props) {
  const { modules, path } = useMemo(() => {
    const qr = encode(value, { ecc: 'M', border: 2 })
    let d = ''
    qr.data.forEach((row, y) =>
      row.forEach((dark, x) => {
        if (dark) d += `M${x} ${y}h1v1h-1z`
      }),
    )
    return { modules: qr.data.length, path: d }
  }, [value])
  return (
    <svg
      className="qr-code"
      role="img"
      aria-label={label}
      data-testid={testId}
      viewBox={`0 0 ${modules} ${modules}`}
      width={size}
      height={size}
      shapeRendering="crispEdges"
    >
      <rect width={modules} height={modules} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  )
}
