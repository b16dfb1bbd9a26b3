// "hf://owner/repo@revision" (the CLI) or "owner/repo@revision" (a model-id field) -> parts.

export interface HubModelSpec {
  repo: string;
  revision?: string;
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?$|^[A-Za-z0-9]$/;

/** Throws with a message saying the expected form when `spec` is not a model id. */
export function parseHubModelSpec(spec: string): HubModelSpec {
  const body = spec.trim().replace(/^hf:\/\//, '');
  const at = body.indexOf('@');
  const repo = at < 0 ? body : body.slice(0, at);
  const revision = at < 0 ? undefined : body.slice(at + 1);
  const parts = repo.split('/');
  const valid = parts.length >= 1 && parts.length <= 2 && parts.every((p) => NAME.test(p) && !p.includes('..'));
  if (!valid || revision === '' || (revision !== undefined && /\s|\.\./.test(revision))) {
    throw new Error(`"${spec}" is not a Hub model id: expected owner/repo or owner/repo@revision (a branch, tag or commit)`);
  }
  return revision === undefined ? { repo } : { repo, revision };
}

export function isHubUri(spec: string): boolean {
  return spec.startsWith('hf://');
}

/**
 * "[hf://]owner/repo[@revision]/path/to/file.gguf" -> the model id and the GGUF file in it; any
 * other spec comes back whole, without a file.
 */
export function splitHubFileSpec(spec: string): { model: string; file?: string } {
  const m = /^((?:hf:\/\/)?[^/@]+\/[^/@]+(?:@[^/]+)?)\/(.+\.gguf)$/i.exec(spec.trim());
  return m ? { model: m[1]!, file: m[2]! } : { model: spec };
}

/**
 * A model page's address pasted whole ("https://huggingface.co/owner/repo", "…/tree/REV",
 * "…/blob/REV/file.gguf", "…/resolve/REV/file.gguf") as the spec the fields take:
 * "owner/repo[@REV][/file.gguf]". Anything that is not an http(s) address comes back trimmed.
 */
export function hubSpecFromUrl(text: string): string {
  const trimmed = text.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return trimmed;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return trimmed;
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'datasets' || parts[0] === 'spaces') throw new Error(`${trimmed} is a ${parts[0] === 'datasets' ? 'dataset' : 'Space'}, not a model: give a model's address or id (owner/repo)`);
  const [owner, repo, view, revision, ...file] = parts;
  if (!owner || !repo) throw new Error(`${trimmed}: no model in this address; expected https://huggingface.co/owner/repo`);
  if (!view) return `${owner}/${repo}`;
  if (!['tree', 'blob', 'resolve'].includes(view) || !revision) throw new Error(`${trimmed}: not a model's page, files or a file of it`);
  const path = file.join('/');
  const at = revision === 'main' ? '' : `@${revision}`;
  return /\.gguf$/i.test(path) ? `${owner}/${repo}${at}/${path}` : `${owner}/${repo}${at}`;
}
