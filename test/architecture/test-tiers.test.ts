// The test runner's own lists name files that exist: a renamed slow suite would otherwise drop
// silently to the end of a fresh run (test/slowest-first-sequencer.ts).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.ts';
import { SLOWEST_FIRST } from '../slowest-first-sequencer.ts';

describe('test tiers', () => {
  it('every file the sequencer starts first exists', () => {
    expect(SLOWEST_FIRST.filter((f) => !existsSync(path.join(REPO_ROOT, f)))).toEqual([]);
  });
});
