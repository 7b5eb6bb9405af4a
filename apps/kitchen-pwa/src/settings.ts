/** Screen settings kept on this device: language, sound, timer thresholds, how long ready tickets stay. */
import { useCallback, useState } from 'react';
import type { Locale } from './i18n.ts';

export interface Settings {
  locale: Locale;
  muted: boolean;
  /** Minutes since the round reached the kitchen after which the ticket turns amber, then red. */
  amberMinutes: number;
  redMinutes: number;
  /** Minutes a READY ticket stays in the done column (and can be recalled). */
  recallMinutes: number;
}

export const DEFAULT_SETTINGS: Settings = {
  locale: 'es',
  muted: false,
  amberMinutes: 10,
  redMinutes: 20,
  recallMinutes: 10,
};

const KEY = 'comanda.kitchen.settings';

function load(): Settings {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Settings>;
    const s = { ...DEFAULT_SETTINGS, ...saved };
    // A hand-edited or old value must not make every ticket red: keep the thresholds ordered and positive.
    if (!(s.amberMinutes > 0)) s.amberMinutes = DEFAULT_SETTINGS.amberMinutes;
    if (!(s.redMinutes > s.amberMinutes)) s.redMinutes = s.amberMinutes + 10;
    if (!(s.recallMinutes > 0)) s.recallMinutes = DEFAULT_SETTINGS.recallMinutes;
    if (s.locale !== 'es' && s.locale !== 'en') s.locale = 'es';
    return s;
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

/** The settings and a setter that saves them. */
export function useSettings(): [Settings, (patch: Partial<Settings>) => void] {
  const [settings, setSettings] = useState(load);
  const update = useCallback((patch: Partial<Settings>) => {
    setSettings((prev) => {
      const next = { ...prev, ...patch };
      localStorage.setItem(KEY, JSON.stringify(next));
      return next;
    });
  }, []);
  return [settings, update];
}
