/** The features the server mounts, in order. Each lives in its own folder. */
import type { Feature } from './app.ts';
import { chatFeature } from './chat/index.ts';
import type { AppContext } from './context.ts';
import { adminFeature } from './http/admin.ts';
import { authFeature } from './http/auth.ts';
import { dinerFeature } from './http/diner.ts';
import { mutationsFeature } from './http/mutations.ts';
import { shapesFeature } from './shapes/index.ts';
import { staticAppsFeature } from './http/static-apps.ts';

export type FeatureFactory = (ctx: AppContext) => Feature | Promise<Feature>;

export const features: FeatureFactory[] = [
  authFeature,
  dinerFeature,
  adminFeature,
  mutationsFeature,
  chatFeature,
  staticAppsFeature,
  shapesFeature,
];
