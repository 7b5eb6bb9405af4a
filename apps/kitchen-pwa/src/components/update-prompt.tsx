/** Offers a newly deployed version; it never reloads by itself in the middle of service. */
import { useRegisterSW } from 'virtual:pwa-register/react';
import { useTexts } from '../i18n.ts';

/**
 * Activates the waiting version and reloads into it. workbox-window reloads by itself only a page that
 * was already controlled when it registered; a screen open since the app's first install was not, and
 * would keep running the old code after "Actualizar": reload on the controller change here.
 */
function accept(updateServiceWorker: (reload?: boolean) => Promise<void>) {
  navigator.serviceWorker?.addEventListener('controllerchange', () => location.reload(), { once: true });
  void updateServiceWorker(true);
}

export function UpdatePrompt() {
  const t = useTexts();
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    updateServiceWorker,
  } = useRegisterSW({
    onRegisteredSW(_url, registration) {
      // A screen stays open for days: look for a new version every 15 minutes.
      if (registration) setInterval(() => void registration.update().catch(() => undefined), 15 * 60_000);
    },
  });
  if (!needRefresh) return null;
  return (
    <div className="update" role="alert" data-testid="update-prompt">
      <span>{t.updateReady}</span>
      <button type="button" className="primary-button" onClick={() => accept(updateServiceWorker)}>
        {t.update}
      </button>
      <button type="button" className="link-button" onClick={() => setNeedRefresh(false)}>
        {t.later}
      </button>
    </div>
  );
}
