// The e2e entry point (`npm test` runs it after `vite build`): serves dist/ on a free port, runs
// one group of e2e/*.test.mjs with Node's test runner in real Chromium, then stops the server.
// Groups, by the name's ending: the everyday ones (plain .test.mjs); --more, the rest of the studio
// (*.more.test.mjs: other architectures, the Hub and publishing, CPU calibration, device loss,
// split files); --size, real model sizes (*.size.test.mjs: minutes each on SwiftShader). `npm test`
// runs the everyday group; `npm run test:all` all three.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { serveStatic } from './static-server.mjs';

const root = path.resolve(import.meta.dirname, '..');
// STUDIO_DIST serves another build (e.g. one made with a different config) instead of dist/.
const dist = path.resolve(process.env.STUDIO_DIST ?? path.join(root, 'dist'));
if (!existsSync(path.join(dist, 'index.html'))) {
  console.error('e2e: dist/index.html is missing; run `npx vite build` first');
  process.exit(1);
}

const GROUPS = { '--size': '.size.test.mjs', '--more': '.more.test.mjs' };
const flags = process.argv.slice(2).filter((a) => a in GROUPS);
if (flags.length > 1) {
  console.error(`e2e: one group at a time (${flags.join(', ')})`);
  process.exit(2);
}
const ending = flags.length ? GROUPS[flags[0]] : null;
const groupOf = (f) => Object.values(GROUPS).find((e) => f.endsWith(e)) ?? null;
const only = process.argv.slice(2).filter((a) => !(a in GROUPS));
const tests = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.test.mjs') && groupOf(f) === ending)
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .map((f) => path.join(import.meta.dirname, f));
if (tests.length === 0) {
  console.error('e2e: no tests matched');
  process.exit(1);
}

// STUDIO_SUBPATH (e.g. /tools/quant-studio/) serves the build under a sub-path, as a static host's
// sub-folder would: every test then runs the studio from there.
const subpath = process.env.STUDIO_SUBPATH ?? '/';
const server = await serveStatic(dist, { prefix: subpath.endsWith('/') ? subpath : `${subpath}/` });
const studioUrl = `${server.url}${subpath.replace(/\/+$/, '')}`;
console.log(`e2e: serving dist/ at ${studioUrl}/`);
// One Chromium at a time: the machine has two cores and SwiftShader is a CPU.
// tsx lets the tests import the project's TypeScript (the Node reference export).
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...tests], {
  stdio: 'inherit',
  env: { ...process.env, STUDIO_URL: studioUrl },
});
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await server.close();
process.exit(code);
