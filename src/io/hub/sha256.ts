// The default incremental SHA-256: pure TypeScript (@noble/hashes), because WebCrypto's digest()
// takes the whole input at once and cannot stream. Node callers may pass node:crypto instead,
// which is about ten times faster.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { HashFactory } from './sha256-verifier.ts';

export const nobleSha256: HashFactory = () => {
  const h = sha256.create();
  return {
    update: (bytes) => void h.update(bytes),
    digestHex: () => bytesToHex(h.digest()),
  };
};
