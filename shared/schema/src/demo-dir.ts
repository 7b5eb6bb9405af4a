/** Where the demo restaurant lives in the repo (Node only: kept out of the index so the apps' bundles stay free of node:*). */
import { fileURLToPath } from 'node:url';

export const DEMO_DIR = fileURLToPath(new URL('../demo/', import.meta.url));
