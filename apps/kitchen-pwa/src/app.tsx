/** The kitchen app: sign-in, branch choice, then the wall screen on the branch's local replica. */
import { useEffect, useState } from 'react';
import { BranchPicker } from './components/branch-picker.tsx';
import { KitchenScreen } from './components/kitchen-screen.tsx';
import { Login } from './components/login.tsx';
import { UpdatePrompt } from './components/update-prompt.tsx';
import { TEXTS, TextsContext } from './i18n.ts';
import { setSignedOutHandler } from './kitchen/kitchen-sync.ts';
import { useKitchen } from './kitchen/use-kitchen.ts';
import { kitchenBranches, loadSession, type StoredSession, saveSession, signOut } from './session.ts';
import { type Settings, useSettings } from './settings.ts';

/** A branch's name from the sign-in answer (a session saved before names were sent falls back to the id). */
function branchName(session: StoredSession, id: string): string {
  return session.user.branches?.find((b) => b.id === id)?.name ?? `Sucursal ${id.slice(0, 8)}`;
}

interface ScreenProps {
  session: StoredSession & { branchId: string };
  settings: Settings;
  updateSettings: (patch: Partial<Settings>) => void;
  onSignOut: () => void;
}

function Screen({ session, settings, updateSettings, onSignOut }: ScreenProps) {
  const view = useKitchen(session.branchId);
  return (
    <KitchenScreen
      view={view}
      branchName={branchName(session, session.branchId)}
      userName={session.user.name}
      settings={settings}
      onSettings={updateSettings}
      onSignOut={() => {
        if (view.connection.pendingCount > 0 && !window.confirm(TEXTS[settings.locale].signOutConfirm))
          return;
        void view.wipe().finally(onSignOut);
      }}
    />
  );
}

export function App() {
  const [settings, updateSettings] = useSettings();
  const [session, setSession] = useState(loadSession);
  const texts = TEXTS[settings.locale];
  document.documentElement.lang = settings.locale === 'es' ? 'es-AR' : 'en';

  // The server ended the session (refresh token dead): back to sign-in; the replica and outbox stay for the next sign-in.
  useEffect(
    () =>
      setSignedOutHandler(() => {
        saveSession(null);
        setSession(null);
      }),
    [],
  );

  const end = () => {
    void signOut();
    setSession(null);
  };

  let body: React.ReactNode;
  if (!session)
    body = (
      <Login
        onSignedIn={setSession}
        locale={settings.locale}
        onLocale={(locale) => updateSettings({ locale })}
      />
    );
  else if (!session.branchId)
    body = (
      <BranchPicker
        branches={kitchenBranches(session.user).map((id) => ({ id, name: branchName(session, id) }))}
        onPick={(branchId) => {
          const next = { ...session, branchId };
          saveSession(next);
          setSession(next);
        }}
        onSignOut={end}
      />
    );
  else
    body = (
      <Screen
        key={session.branchId}
        session={{ ...session, branchId: session.branchId }}
        settings={settings}
        updateSettings={updateSettings}
        onSignOut={end}
      />
    );

  return (
    <TextsContext.Provider value={texts}>
      {body}
      <UpdatePrompt />
    </TextsContext.Provider>
  );
}
