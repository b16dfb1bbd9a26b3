// Lets Node run the TypeScript sources directly: tsx compiles them on the fly, and a small hook
// loads WGSL `?raw` imports as strings, as Vite does in the browser build.
// Use: `node --import ./bin/register-ts.mjs file.ts`, or import it before the sources.
import { register as registerHooks } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
registerHooks('./raw-import-hooks.mjs', import.meta.url);
