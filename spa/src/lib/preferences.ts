/**
 * The agent's own preferences kept on this device: the time zone dates are shown in (the browser's by
 * default; an agent working for a business abroad picks the business's).
 */
import { useSyncExternalStore } from 'react'

const TIME_ZONE_KEY = 'kefu.timeZone'
const listeners = new Set<() => void>()

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

function readTimeZone(): string {
  try {
    const saved = localStorage.getItem(TIME_ZONE_KEY)
    if (saved && isTimeZone(saved)) return saved
  } catch {
    // storage unavailable
  }
  return browserTimeZone()
}

let timeZone: string | null = null

export function getTimeZone(): string {
  timeZone ??= readTimeZone()
  return timeZone
}

export function setTimeZone(zone: string): void {
  if (!isTimeZone(zone)) throw new Error(`unknown time zone: ${zone}`)
  try {
    localStorage.setItem(TIME_ZONE_KEY, zone)
  } catch {
    // storage unavailable: this page only
  }
  timeZone = zone
  for (const listener of listeners) listener()
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function useTimeZone(): string {
  return useSyncExternalStore(subscribe, getTimeZone, getTimeZone)
}

/** Every zone the browser knows, for the picker; the current one is always in the list. */
export function timeZones(current: string): string[] {
  const all =
    typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC', current]
  return all.includes(current) ? all : [current, ...all]
}
