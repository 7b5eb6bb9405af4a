/** Texts of the kitchen screen: Spanish (Argentina) first, English second. */
import { createContext, useContext } from 'react';

export type Locale = 'es' | 'en';

const es = {
  appName: 'Cocina',
  signIn: 'Ingresar',
  signingIn: 'Ingresando…',
  email: 'Correo',
  password: 'Contraseña',
  signInTitle: 'Pantalla de cocina',
  signInHint: 'Ingresá con una cuenta de cocina.',
  wrongCredentials: 'Correo o contraseña incorrectos.',
  noKitchenRole: 'Esta cuenta no tiene acceso a la cocina de ninguna sucursal.',
  signInOffline: 'Sin conexión: para ingresar por primera vez hace falta red.',
  signInFailed: 'No se pudo ingresar. Probá de nuevo.',
  chooseBranch: 'Elegí la sucursal',
  signOut: 'Salir',
  signOutConfirm: 'Hay cambios sin enviar. Si salís ahora se pierden. ¿Salir igual?',
  queue: 'En preparación',
  done: 'Listos',
  ready: 'Listo',
  readyPending: 'Enviando…',
  readyPendingOffline: 'Listo · se envía al volver la red',
  recall: 'Recuperar',
  recalled: 'Recuperado',
  closeRecall: 'Cerrar',
  table: 'Mesa',
  round: 'Ronda',
  sentBy: 'Envió',
  diner: 'Comensal',
  rejected: 'No se pudo marcar',
  /** Why the server refused a "Listo", by its error code (the server's own message is English). */
  rejectionReason: (code: string, cancelReason: string | null) =>
    ({
      INVALID_TRANSITION: cancelReason
        ? `La ronda fue cancelada: ${cancelReason}`
        : 'La ronda cambió de estado mientras tanto (cancelada o ya entregada).',
      NOT_FOUND: 'La ronda ya no existe.',
      FORBIDDEN: 'Esta cuenta no puede marcar rondas en esta sucursal.',
      VALIDATION_FAILED: 'El servidor no aceptó el pedido (datos inválidos).',
      PAYLOAD_TOO_LARGE: 'El servidor no aceptó el pedido (demasiado grande).',
    })[code] ?? 'El servidor rechazó el cambio.',
  rejectionDetail: 'Detalle',
  dismiss: 'Entendido',
  late: 'Demorado',
  veryLate: 'Muy demorado',
  newTicket: 'Nuevo',
  canceledNotice: (table: string, n: number, reason: string | null) =>
    `Mesa ${table} · ronda ${n} cancelada${reason ? `: ${reason}` : ''}`,
  online: 'En línea',
  offlineSince: (hhmm: string) => `Sin conexión desde ${hhmm}`,
  offline: 'Sin conexión',
  syncing: 'Sincronizando…',
  pending: (n: number) => (n === 1 ? '1 cambio sin enviar' : `${n} cambios sin enviar`),
  lastSync: (hhmm: string) => `Actualizado ${hhmm}`,
  neverSynced: 'Todavía sin datos',
  staleWarning:
    'Sin conexión: los pedidos pueden no estar actualizados. Los cambios se envían al volver la red.',
  emptyOnline: 'No hay pedidos en cocina',
  emptyOnlineHint: 'Los pedidos nuevos aparecen acá solos.',
  emptyOffline: 'Sin pedidos en la última actualización',
  emptyOfflineHint: (hhmm: string) =>
    `Última actualización ${hhmm}. Sin conexión: puede haber pedidos nuevos que todavía no llegaron.`,
  loading: 'Cargando pedidos…',
  noDataOffline: 'Sin conexión y sin datos guardados',
  noDataOfflineHint: 'Esta pantalla todavía no recibió pedidos. Cuando vuelva la red se cargan solos.',
  syncUnavailable: 'La sincronización no está disponible',
  soundOn: 'Sonido activado',
  soundOff: 'Sonido apagado',
  tapForSound: 'Tocá la pantalla para activar el sonido',
  settings: 'Ajustes',
  amberAfter: 'Amarillo a los (min)',
  redAfter: 'Rojo a los (min)',
  recallFor: 'Listos visibles (min)',
  language: 'Idioma',
  close: 'Cerrar',
  updateReady: 'Hay una versión nueva de la pantalla.',
  update: 'Actualizar',
  later: 'Después',
  minutes: (m: number) => `${m} min`,
  items: (n: number) => (n === 1 ? '1 ítem' : `${n} ítems`),
};

export type Texts = typeof es;

const en: Texts = {
  appName: 'Kitchen',
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  email: 'Email',
  password: 'Password',
  signInTitle: 'Kitchen display',
  signInHint: 'Sign in with a kitchen account.',
  wrongCredentials: 'Wrong email or password.',
  noKitchenRole: 'This account has no kitchen access in any branch.',
  signInOffline: 'Offline: the first sign-in needs the network.',
  signInFailed: 'Could not sign in. Try again.',
  chooseBranch: 'Choose the branch',
  signOut: 'Sign out',
  signOutConfirm: 'There are unsent changes. Signing out now loses them. Sign out anyway?',
  queue: 'Preparing',
  done: 'Ready',
  ready: 'Ready',
  readyPending: 'Sending…',
  readyPendingOffline: 'Ready · sent when back online',
  recall: 'Recall',
  recalled: 'Recalled',
  closeRecall: 'Close',
  table: 'Table',
  round: 'Round',
  sentBy: 'Sent by',
  diner: 'Diner',
  rejected: 'Could not mark it',
  rejectionReason: (code, cancelReason) =>
    ({
      INVALID_TRANSITION: cancelReason
        ? `The round was canceled: ${cancelReason}`
        : 'The round changed meanwhile (canceled or already served).',
      NOT_FOUND: 'The round no longer exists.',
      FORBIDDEN: 'This account cannot mark rounds in this branch.',
      VALIDATION_FAILED: 'The server did not accept the request (invalid data).',
      PAYLOAD_TOO_LARGE: 'The server did not accept the request (too large).',
    })[code] ?? 'The server refused the change.',
  rejectionDetail: 'Detail',
  dismiss: 'OK',
  late: 'Late',
  veryLate: 'Very late',
  newTicket: 'New',
  canceledNotice: (table, n, reason) => `Table ${table} · round ${n} canceled${reason ? `: ${reason}` : ''}`,
  online: 'Online',
  offlineSince: (hhmm) => `Offline since ${hhmm}`,
  offline: 'Offline',
  syncing: 'Syncing…',
  pending: (n) => (n === 1 ? '1 unsent change' : `${n} unsent changes`),
  lastSync: (hhmm) => `Updated ${hhmm}`,
  neverSynced: 'No data yet',
  staleWarning: 'Offline: orders may be out of date. Changes are sent when the network is back.',
  emptyOnline: 'No orders in the kitchen',
  emptyOnlineHint: 'New orders show up here by themselves.',
  emptyOffline: 'No orders at the last update',
  emptyOfflineHint: (hhmm) => `Last update ${hhmm}. Offline: new orders may not have arrived yet.`,
  loading: 'Loading orders…',
  noDataOffline: 'Offline with no saved data',
  noDataOfflineHint:
    'This screen has not received orders yet. They load by themselves when the network is back.',
  syncUnavailable: 'Sync is not available',
  soundOn: 'Sound on',
  soundOff: 'Sound off',
  tapForSound: 'Tap the screen to enable sound',
  settings: 'Settings',
  amberAfter: 'Amber after (min)',
  redAfter: 'Red after (min)',
  recallFor: 'Keep ready for (min)',
  language: 'Language',
  close: 'Close',
  updateReady: 'A new version of the screen is available.',
  update: 'Update',
  later: 'Later',
  minutes: (m) => `${m} min`,
  items: (n) => (n === 1 ? '1 item' : `${n} items`),
};

export const TEXTS: Record<Locale, Texts> = { es, en };

export const TextsContext = createContext<Texts>(es);

/** The texts of the chosen language. */
export const useTexts = () => useContext(TextsContext);

/** hh:mm in the device's clock, 24 h as kitchens read it. */
export const hhmm = (t: number) =>
  new Date(t).toLocaleTimeString('es-AR', { hour: '2-digit', minute: '2-digit', hour12: false });
