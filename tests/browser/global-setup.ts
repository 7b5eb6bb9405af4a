/** Browser tests run against the built apps: build the ones whose dist/ is missing or stale (a clean clone has none). */
import { buildApps } from '../../scripts/build-apps.mjs';

export default function setup() {
  buildApps({ log: (s) => console.log(`[browser tests] ${s}`) });
}
