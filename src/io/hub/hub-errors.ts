// Errors that tell the user what to do: a gated or private repo needs a token (and an accepted
// licence), a missing repo/revision/file is named with where it was looked for.

export interface HubRepoRef {
  endpoint: string;
  repo: string;
  revision: string;
}

/** A failure that retrying will not fix (auth, not found, a bad response). */
export class HubError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'HubError';
  }
}

function repoPage(ref: HubRepoRef): string {
  return `${ref.endpoint.replace(/\/+$/, '')}/${ref.repo}`;
}

/** `what` names the thing asked for: the repo itself, or one of its files. */
export function hubStatusError(status: number, ref: HubRepoRef, hasToken: boolean, what?: string): HubError {
  const target = what ? `${what} in ${ref.repo}@${ref.revision}` : `${ref.repo}@${ref.revision}`;
  if (status === 401) {
    return new HubError(
      hasToken
        ? `${target}: the token was not accepted (HTTP 401) by ${ref.endpoint}; check HF_TOKEN, and for a gated model accept the licence at ${repoPage(ref)}`
        : `${target}: authentication needed (HTTP 401): the repository is gated or private (or does not exist). ` +
          `For a gated model, accept the licence at ${repoPage(ref)} and give a token (HF_TOKEN); for a private one, give a token (HF_TOKEN) with access to it`,
      status,
    );
  }
  if (status === 403) {
    return new HubError(
      `${target}: access refused (HTTP 403). For a gated model, accept the licence at ${repoPage(ref)} with the account of your token (HF_TOKEN)` +
        `${hasToken ? '' : ', and give a token'}; for a private one, give a token with access to it`,
      status,
    );
  }
  if (status === 404) {
    return new HubError(
      what
        ? `${what}: not found in ${ref.repo} at revision ${ref.revision} (${ref.endpoint})`
        : `${ref.repo}@${ref.revision}: repository or revision not found at ${ref.endpoint}`,
      status,
    );
  }
  return new HubError(`${target}: ${ref.endpoint} answered HTTP ${status}`, status);
}
