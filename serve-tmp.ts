import { startHubServer } from '/work/main/test/helpers/hub-server.ts';
const server = await startHubServer({ repos: { 'b/m': { dir: '/tmp/bm/model' } }, bytesPerSecond: 200e6 });
await fetch(`${server.url}/api/models/b/m/tree/main?recursive=true`).then((r) => r.text());
console.log(server.url);
setTimeout(() => server.close(), 120_000);
