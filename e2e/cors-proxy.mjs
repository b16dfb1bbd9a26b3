// The real Hub answers a page's cross-origin requests with CORS headers; the local stand-in
// (test/helpers/hub-server.ts) is made for Node clients and sends none. This proxy sits in front
// of its two servers (the Hub and the LFS "CDN") and adds what huggingface.co sends, rewriting
// the Hub's redirects to point at the CDN's proxy. It passes faults through: a cut upstream body
// cuts the page's connection (the client must see it as a network error, not a short file).
// Uploads (the stand-in's `write` side) pass too: POST and PUT are allowed, and the JSON a POST
// answers (the LFS batch's upload URLs, the commit's URL) is rewritten to point at the proxies.
import http from 'node:http';

const EXPOSED = [
  'Content-Range', 'Content-Length', 'Accept-Ranges', 'ETag', 'Retry-After', 'Link', 'X-Repo-Commit',
  'X-Linked-Etag', 'X-Linked-Size', 'X-Error-Code', 'X-Error-Message', 'X-Request-Id',
].join(', ');

function corsHeaders(req) {
  return {
    'access-control-allow-origin': req.headers.origin ?? '*',
    'access-control-expose-headers': EXPOSED,
    vary: 'Origin',
  };
}

/**
 * Proxies to `target`; `rewriteLocation` maps an upstream Location header, `rewriteJson` the text of
 * a JSON answer to a POST. Resolves to { url, close }.
 */
export function startCorsProxy(target, rewriteLocation = (l) => l, rewriteJson = null) {
  const server = http.createServer((req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...corsHeaders(req),
        'access-control-allow-methods': 'GET, HEAD, POST, PUT, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'authorization, range',
        'access-control-max-age': '600',
      });
      return res.end();
    }
    const upstream = http.request(new URL(req.url, target), { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (up) => {
      const headers = { ...up.headers, ...corsHeaders(req) };
      if (headers.location) headers.location = rewriteLocation(headers.location);
      if (rewriteJson && req.method === 'POST' && /json/.test(String(headers['content-type'] ?? ''))) {
        const chunks = [];
        up.on('data', (c) => chunks.push(c));
        up.on('end', () => {
          const body = Buffer.from(rewriteJson(Buffer.concat(chunks).toString('utf8')));
          res.writeHead(up.statusCode ?? 502, { ...headers, 'content-length': String(body.length) });
          res.end(body);
        });
        up.on('aborted', () => res.destroy());
        up.on('error', () => res.destroy());
        return;
      }
      res.writeHead(up.statusCode ?? 502, headers);
      up.pipe(res);
      // A cut or truncated upstream body: end the page's connection the same way.
      up.on('aborted', () => res.destroy());
      up.on('error', () => res.destroy());
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}`;
      resolve({
        url,
        close: () => new Promise((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
      });
    });
  });
}

/** The Hub stand-in behind two CORS proxies; `endpoint` is what the studio is given. */
export async function startBrowserHub(options) {
  const { startHubServer } = await import('../test/helpers/hub-server.ts');
  const hub = await startHubServer(options);
  const cdnProxy = await startCorsProxy(hub.cdnUrl);
  let hubProxyUrl = '';
  const hubProxy = await startCorsProxy(
    hub.url,
    (location) => location.replace(hub.cdnUrl, cdnProxy.url),
    // One pass, whole origins only (one port may be a prefix of another).
    (text) => text.replace(/http:\/\/127\.0\.0\.1:\d+/g, (origin) => (origin === hub.cdnUrl ? cdnProxy.url : origin === hub.url ? hubProxyUrl : origin)),
  );
  hubProxyUrl = hubProxy.url;
  return {
    hub,
    endpoint: hubProxy.url,
    async close() {
      await Promise.all([hubProxy.close(), cdnProxy.close()]);
      await hub.close();
    },
  };
}
