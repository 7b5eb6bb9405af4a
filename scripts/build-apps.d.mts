/** Builds the apps whose dist/ is missing or stale; returns the names built. */
export function buildApps(opts?: { only?: string[]; log?: (line: string) => void }): string[];
