// A fetch that sends the Hub token only to the Hub's own origin. Redirects are followed here,
// hop by hop, so that a 302 to the LFS CDN (or anywhere else) never carries Authorization, even
// with a fetch implementation that would forward it. Browsers answer redirect: 'manual' with an
// opaque response (no Location); there we fall back to the browser's own following, which drops
// Authorization on cross-origin redirects as the Fetch standard requires.

export type FetchLike = typeof fetch;

const MAX_REDIRECTS = 10;

function requestUrl(input: RequestInfo | URL): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

function withoutAuthorization(headers: HeadersInit | undefined): Headers {
  const h = new Headers(headers);
  h.delete('authorization');
  return h;
}

/**
 * `tokenOrigin` is where a token may go (the configured endpoint); `token` is added to requests
 * to that origin only. Authorization headers set by callers (e.g. @huggingface/hub) are removed
 * on any other origin.
 */
export function tokenScopedFetch(inner: FetchLike, tokenOrigin: string, token?: string): FetchLike {
  const allowed = new URL(tokenOrigin).origin;
  const headersFor = (url: string, headers: HeadersInit | undefined): Headers => {
    if (new URL(url).origin !== allowed) return withoutAuthorization(headers);
    const h = new Headers(headers);
    if (token && !h.has('authorization')) h.set('authorization', `Bearer ${token}`);
    return h;
  };
  return (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    let url = requestUrl(input);
    const method = (init.method ?? 'GET').toUpperCase();
    const follow = init.redirect ?? 'follow';
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const response = await inner(url, { ...init, headers: headersFor(url, init.headers), redirect: 'manual' });
      if (response.type === 'opaqueredirect') {
        // A browser: Location is hidden from us; the browser itself strips Authorization cross-origin.
        return inner(url, { ...init, headers: headersFor(url, init.headers), redirect: follow });
      }
      const location = response.headers.get('location');
      if (follow !== 'follow' || response.status < 300 || response.status > 399 || !location) return response;
      if (method !== 'GET' && method !== 'HEAD') return response; // nothing here redirects a body
      await response.body?.cancel().catch(() => {});
      url = new URL(location, url).href;
    }
    throw new Error(`${url}: more than ${MAX_REDIRECTS} redirects`);
  }) as FetchLike;
}
