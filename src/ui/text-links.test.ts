import { describe, expect, it } from 'vitest';
import { splitLinks } from './text-links.ts';

describe('splitLinks', () => {
  it('makes addresses links and leaves the sentence around them', () => {
    expect(splitLinks('HTTP 401: accept the licence at https://huggingface.co/owner/model. Then retry.')).toEqual([
      { text: 'HTTP 401: accept the licence at ' }, { href: 'https://huggingface.co/owner/model' }, { text: '. Then retry.' },
    ]);
  });
  it('keeps a message without addresses whole, and one in parentheses without the parenthesis', () => {
    expect(splitLinks('no such file')).toEqual([{ text: 'no such file' }]);
    expect(splitLinks('(see http://127.0.0.1:8080/settings/tokens)')).toEqual([
      { text: '(see ' }, { href: 'http://127.0.0.1:8080/settings/tokens' }, { text: ')' },
    ]);
  });
});
