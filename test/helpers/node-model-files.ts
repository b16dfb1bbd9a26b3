// Model folders on disk for tests: the same node:fs-backed ModelFiles the CLI uses.
export { nodeModelFiles } from '../../src/io/node-files.node.ts';
