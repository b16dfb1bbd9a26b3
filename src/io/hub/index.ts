// The Hub source's public surface, for the studio and the CLI.
export { DEFAULT_HUB_ENDPOINT, openHubModelFiles, verifiedSink, type HubFileEntry, type HubModelFiles, type HubModelOptions } from './hub-model-files.ts';
export type { FileProgress, HubDownloadProgress } from './download-progress.ts';
export { HubError } from './hub-errors.ts';
export { isHubUri, parseHubModelSpec, type HubModelSpec } from './hub-spec.ts';
export { Sha256MismatchError, type HashFactory, type IncrementalHash } from './sha256-verifier.ts';
export { nobleSha256 } from './sha256.ts';
export { checkPushRepo, pushToHub, type PushFile, type PushOptions, type PushProgress, type PushResult } from './push-files.ts';
export { generateModelCard, type ModelCardFile, type ModelCardInput } from './model-card.ts';
