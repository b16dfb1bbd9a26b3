import { describe, expect, it } from 'vitest';
import { parseCalibrationJsonl } from '../../src/core/calibration/parse-jsonl.ts';

describe('parseCalibrationJsonl', () => {
  it('reads conversations and texts with their metadata, skipping blank lines', () => {
    const docs = parseCalibrationJsonl([
      '{"category":"chat","lang":"en","messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."}]}',
      '',
      '{"category":"code","lang":"en","code":"python","text":"print(1)\\n"}\r',
    ].join('\n'), 'set.jsonl');
    expect(docs).toEqual([
      { kind: 'chat', category: 'chat', lang: 'en', origin: 'set.jsonl:1', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }] },
      { kind: 'text', category: 'code', lang: 'en', code: 'python', origin: 'set.jsonl:3', text: 'print(1)\n' },
    ]);
  });

  const bad: [string, string, RegExp][] = [
    ['invalid JSON', '{"messages": [', /^f\.jsonl:2: not valid JSON/],
    ['a non-object line', '[1, 2]', /^f\.jsonl:2: expected a JSON object/],
    ['both messages and text', '{"text":"a","messages":[{"role":"user","content":"b"}]}', /^f\.jsonl:2: expected exactly one of "messages" and "text"/],
    ['neither messages nor text', '{"category":"chat"}', /^f\.jsonl:2: expected exactly one/],
    ['empty messages', '{"messages":[]}', /^f\.jsonl:2: "messages" must be a non-empty array/],
    ['an unknown role', '{"messages":[{"role":"tool","content":"x"}]}', /^f\.jsonl:2: messages\[0\]: "role" "tool" is not one of system, user, assistant/],
    ['non-string content', '{"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}]}', /^f\.jsonl:2: messages\[0\]: "content" must be a string/],
    ['tool calls', '{"messages":[{"role":"assistant","content":"","tool_calls":[]}]}', /^f\.jsonl:2: messages\[0\]: unknown field "tool_calls"/],
    ['an unknown field', '{"text":"x","source":"web"}', /^f\.jsonl:2: unknown field "source"/],
    ['an unknown category', '{"text":"x","category":"poetry"}', /^f\.jsonl:2: "category" "poetry" is not one of chat, prose, code, math/],
    ['an empty text', '{"text":""}', /^f\.jsonl:2: "text" must be a non-empty string/],
    ['a non-string lang', '{"text":"x","lang":7}', /^f\.jsonl:2: "lang" must be a non-empty string/],
  ];
  for (const [what, line, message] of bad) {
    it(`names the file and line for ${what}`, () => {
      expect(() => parseCalibrationJsonl(`{"text":"fine"}\n${line}\n`, 'f.jsonl')).toThrow(message);
    });
  }

  it('refuses a file without documents', () => {
    expect(() => parseCalibrationJsonl('\n\n', 'empty.jsonl')).toThrow(/^empty\.jsonl: no documents/);
  });
});
