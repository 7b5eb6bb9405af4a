/** Settings of this screen: language, timer thresholds, how long ready tickets stay, sign-out. */
import { useTexts } from '../i18n.ts';
import type { Settings } from '../settings.ts';

interface Props {
  settings: Settings;
  onChange: (patch: Partial<Settings>) => void;
  onClose: () => void;
  onSignOut: () => void;
  userName: string;
}

const clampMinutes = (v: string, min: number) => Math.max(min, Math.min(240, Math.round(Number(v) || min)));

export function SettingsPanel({ settings, onChange, onClose, onSignOut, userName }: Props) {
  const t = useTexts();
  return (
    <div className="sheet-backdrop" role="dialog" aria-modal="true" aria-label={t.settings}>
      <div className="sheet">
        <h2>{t.settings}</h2>
        <div className="sheet-row">
          <span>{t.language}</span>
          <div className="segmented">
            {(['es', 'en'] as const).map((l) => (
              <button
                key={l}
                type="button"
                aria-pressed={settings.locale === l}
                onClick={() => onChange({ locale: l })}
              >
                {l === 'es' ? 'Español' : 'English'}
              </button>
            ))}
          </div>
        </div>
        <label className="sheet-row">
          <span>{t.amberAfter}</span>
          <input
            type="number"
            inputMode="numeric"
            min={1}
            value={settings.amberMinutes}
            onChange={(e) => {
              const amber = clampMinutes(e.target.value, 1);
              onChange({ amberMinutes: amber, redMinutes: Math.max(settings.redMinutes, amber + 1) });
            }}
          />
        </label>
        <label className="sheet-row">
          <span>{t.redAfter}</span>
          <input
            type="number"
            inputMode="numeric"
            min={settings.amberMinutes + 1}
            value={settings.redMinutes}
            onChange={(e) =>
              onChange({ redMinutes: clampMinutes(e.target.value, settings.amberMinutes + 1) })
            }
          />
        </label>
        <label className="sheet-row">
          <span>{t.recallFor}</span>
          <input
            type="number"
            inputMode="numeric"
            min={1}
            value={settings.recallMinutes}
            onChange={(e) => onChange({ recallMinutes: clampMinutes(e.target.value, 1) })}
          />
        </label>
        <div className="sheet-row sheet-actions">
          <button type="button" className="link-button" onClick={onSignOut}>
            {t.signOut} ({userName})
          </button>
          <button type="button" className="primary-button" onClick={onClose}>
            {t.close}
          </button>
        </div>
      </div>
    </div>
  );
}
