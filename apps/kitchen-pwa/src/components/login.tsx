/** Kitchen sign-in: email and password, big fields, errors said plainly. */
import { type FormEvent, useState } from 'react';
import { type Locale, useTexts } from '../i18n.ts';
import { type StoredSession, signIn } from '../session.ts';

interface Props {
  onSignedIn: (s: StoredSession) => void;
  locale: Locale;
  /** The language can be chosen before signing in (it is a setting of this device). */
  onLocale: (l: Locale) => void;
}

export function Login({ onSignedIn, locale, onLocale }: Props) {
  const t = useTexts();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await signIn(email.trim(), password);
    setBusy(false);
    if (r.ok) return onSignedIn(r.session);
    setError(
      r.reason === 'credentials'
        ? t.wrongCredentials
        : r.reason === 'no-role'
          ? t.noKitchenRole
          : r.reason === 'offline'
            ? t.signInOffline
            : t.signInFailed,
    );
  }

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit}>
        <h1>{t.signInTitle}</h1>
        <p className="login-hint">{t.signInHint}</p>
        <label>
          {t.email}
          <input
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          {t.password}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p className="login-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="login-submit" disabled={busy}>
          {busy ? t.signingIn : t.signIn}
        </button>
        <div className="segmented login-language" role="group" aria-label={t.language}>
          {(['es', 'en'] as const).map((l) => (
            <button key={l} type="button" aria-pressed={locale === l} onClick={() => onLocale(l)}>
              {l === 'es' ? 'Español' : 'English'}
            </button>
          ))}
        </div>
      </form>
    </main>
  );
}
