// Calibration JSONL: one document per line, either {"messages": [{"role", "content"}, ...]} or
// {"text": "..."}, with optional "category", "lang" and "code" fields. Blank lines are skipped.
// Errors name the file and the 1-based line, because these files are written by hand.
import { CALIBRATION_CATEGORIES, CHAT_ROLES, type CalibrationCategory, type CalibrationDocument, type ChatMessage, type ChatRole } from './corpus.ts';

const KNOWN_FIELDS = new Set(['messages', 'text', 'category', 'lang', 'code', 'id']);

export function parseCalibrationJsonl(content: string, fileName: string): CalibrationDocument[] {
  const documents: CalibrationDocument[] = [];
  const lines = content.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    documents.push(parseLine(line, `${fileName}:${index + 1}`));
  });
  if (documents.length === 0) throw new Error(`${fileName}: no documents (expected one JSON object per line)`);
  return documents;
}

function parseLine(line: string, origin: string): CalibrationDocument {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new Error(`${origin}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${origin}: expected a JSON object`);
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((k) => !KNOWN_FIELDS.has(k));
  if (unknown.length) throw new Error(`${origin}: unknown field ${JSON.stringify(unknown[0])} (expected messages or text, and optionally category, lang, code, id)`);
  const info = { origin, ...readInfo(record, origin) };
  if ('messages' in record === 'text' in record) throw new Error(`${origin}: expected exactly one of "messages" and "text"`);
  if ('text' in record) {
    if (typeof record.text !== 'string' || record.text === '') throw new Error(`${origin}: "text" must be a non-empty string`);
    return { kind: 'text', text: record.text, ...info };
  }
  return { kind: 'chat', messages: readMessages(record.messages, origin), ...info };
}

function readInfo(record: Record<string, unknown>, origin: string): { category?: CalibrationCategory; lang?: string; code?: string } {
  const info: { category?: CalibrationCategory; lang?: string; code?: string } = {};
  if (record.category !== undefined) {
    if (!CALIBRATION_CATEGORIES.includes(record.category as CalibrationCategory)) {
      throw new Error(`${origin}: "category" ${JSON.stringify(record.category)} is not one of ${CALIBRATION_CATEGORIES.join(', ')}`);
    }
    info.category = record.category as CalibrationCategory;
  }
  for (const key of ['lang', 'code', 'id'] as const) {
    if (record[key] !== undefined && (typeof record[key] !== 'string' || record[key] === '')) throw new Error(`${origin}: "${key}" must be a non-empty string`);
  }
  if (typeof record.lang === 'string') info.lang = record.lang;
  if (typeof record.code === 'string') info.code = record.code;
  return info;
}

function readMessages(value: unknown, origin: string): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error(`${origin}: "messages" must be a non-empty array`);
  return value.map((m: unknown, i) => {
    const where = `${origin}: messages[${i}]`;
    if (typeof m !== 'object' || m === null) throw new Error(`${where} must be an object with "role" and "content"`);
    const { role, content, ...rest } = m as Record<string, unknown>;
    if (!CHAT_ROLES.includes(role as ChatRole)) throw new Error(`${where}: "role" ${JSON.stringify(role)} is not one of ${CHAT_ROLES.join(', ')}`);
    // Tool calls and multimodal parts are out of scope: calibration text is plain turns.
    if (typeof content !== 'string') throw new Error(`${where}: "content" must be a string`);
    const extra = Object.keys(rest);
    if (extra.length) throw new Error(`${where}: unknown field ${JSON.stringify(extra[0])} (only role and content)`);
    return { role: role as ChatRole, content };
  });
}
