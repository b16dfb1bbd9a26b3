import { describe, expect, it } from 'vitest';
import { hubStatusError } from '../io/hub/hub-errors.ts';
import { chooseMixTypes } from '../core/recipe/llama-mixes.ts';
import { studioWords } from './studio-words.ts';
import { fixturePlan } from './test-plans.node.ts';

const CLI_WORDS = /--imatrix|--tensor-type|--allow-requantize|HF_TOKEN/;

describe('studioWords', () => {
  it('rewrites the mixes\' imatrix refusal as the page\'s action', async () => {
    const plan = await fixturePlan('tiny-llama-10m');
    let message = '';
    try {
      chooseMixTypes(plan, { mix: 'IQ2_XXS', hasImatrix: false });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/--imatrix/);
    expect(studioWords(message)).toMatch(/Load or compute an importance matrix, or choose another type\.$/);
    expect(studioWords(message)).not.toMatch(CLI_WORDS);
  });

  it('drops HF_TOKEN from the Hub\'s refusals, keeping the advice', () => {
    const ref = { endpoint: 'https://huggingface.co', repo: 'me/gated', revision: 'main' };
    for (const [status, hasToken] of [[401, true], [401, false], [403, true], [403, false]] as const) {
      const text = studioWords(hubStatusError(status, ref, hasToken).message);
      expect(text).not.toMatch(CLI_WORDS);
      expect(text).toMatch(/token/);
    }
    expect(studioWords(hubStatusError(401, ref, true).message)).toMatch(/; check the access token, and for a gated model/);
    expect(studioWords('pushing to me/x needs a write token (HF_TOKEN)')).toBe('pushing to me/x needs a write token');
  });

  it('leaves other messages as they are', () => {
    expect(studioWords('Export failed: disk full')).toBe('Export failed: disk full');
  });
});
