/** The new-ticket sound: a short two-tone chime made with Web Audio (no file to cache), unlocked by the first tap. */

let audio: AudioContext | undefined;
const listeners = new Set<() => void>();

/** True once a tap has let the page play sound (browsers block audio until the person interacts). */
export const audioUnlocked = () => audio?.state === 'running';

/** Runs `fn` when the audio state changes (unlocked). Returns the unsubscribe function. */
export function onAudioChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Call from a user gesture: creates or resumes the audio context. */
export function unlockAudio(): void {
  try {
    audio ??= new AudioContext();
    if (audio.state !== 'running') void audio.resume().then(() => listeners.forEach((fn) => fn()));
    else listeners.forEach((fn) => fn());
  } catch {
    // No Web Audio on this device: the highlight still marks new tickets.
  }
}

/**
 * Counts on the page's root element, for tests and for a glance in devtools (sound itself cannot be
 * observed by a test): `data-arrivals`, new tickets seen; `data-chimes`, chimes actually played.
 */
const bump = (name: 'arrivals' | 'chimes') => {
  const el = document.documentElement;
  el.dataset[name] = String(Number(el.dataset[name] ?? 0) + 1);
};

/** New tickets arrived (whether or not a chime plays for them). */
export const noteArrival = () => bump('arrivals');

/** Plays the chime if audio is unlocked. Loud and short: it must cut through a kitchen's noise without annoying. */
export function playChime(): void {
  if (!audio || audio.state !== 'running') return;
  bump('chimes');
  const start = audio.currentTime;
  for (const [i, freq] of [880, 1318.5].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'triangle';
    osc.frequency.value = freq;
    const t = start + i * 0.18;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.9, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.5);
    osc.connect(gain).connect(audio.destination);
    osc.start(t);
    osc.stop(t + 0.55);
  }
}
