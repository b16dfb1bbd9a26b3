// Reading untrusted JSON documents field by field: every check names the file and the field,
// values are quoted short (a 5 MB string is not repeated into an error message), and names are
// looked up as own properties only ("constructor" is not a mix or a type).

/** A value as an error message shows it: JSON, cut to a readable length. */
export function shownValue(value: unknown, max = 60): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of `key` in `table` when it is the table's own key, else undefined. */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: unknown): T | undefined {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Field readers for one JSON object; `where` names the file (and the object within it). */
export class JsonFields {
  constructor(readonly record: Record<string, unknown>, readonly where: string) {}

  static of(value: unknown, where: string): JsonFields {
    if (!isPlainObject(value)) throw new Error(`${where} must be a JSON object (got ${shownValue(value)})`);
    return new JsonFields(value, where);
  }

  fail(key: string, expected: string): never {
    throw new Error(`${this.where}: "${key}" must be ${expected} (got ${shownValue(this.record[key])})`);
  }
  has(key: string): boolean {
    return Object.hasOwn(this.record, key) && this.record[key] !== undefined && this.record[key] !== null;
  }
  string(key: string, maxLength = 4096): string {
    const v = this.record[key];
    if (typeof v !== 'string' || v.length > maxLength) this.fail(key, `a string of at most ${maxLength} characters`);
    return v;
  }
  optionalString(key: string, maxLength = 4096): string | null {
    return this.has(key) ? this.string(key, maxLength) : null;
  }
  number(key: string, min = -Infinity, max = Infinity): number {
    const v = this.record[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) this.fail(key, `a number from ${min} to ${max}`);
    return v;
  }
  optionalNumber(key: string, min = -Infinity, max = Infinity): number | null {
    return this.has(key) ? this.number(key, min, max) : null;
  }
  integer(key: string, min: number, max: number): number {
    const v = this.record[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(key, `an integer from ${min} to ${max}`);
    return v;
  }
  array(key: string, maxLength: number): unknown[] {
    const v = this.record[key];
    if (!Array.isArray(v) || v.length > maxLength) this.fail(key, `an array of at most ${maxLength} items`);
    return v;
  }
  object(key: string): JsonFields {
    return JsonFields.of(this.record[key], `${this.where}: "${key}"`);
  }
  /** One of `choices` (own keys of a table, or a list). */
  oneOf<T extends string>(key: string, choices: readonly T[] | Readonly<Record<T, unknown>>, what: string): T {
    const v = this.record[key];
    const ok = Array.isArray(choices) ? (choices as readonly unknown[]).includes(v) : ownEntry(choices as Record<string, unknown>, v) !== undefined;
    if (!ok) this.fail(key, what);
    return v as T;
  }
}
