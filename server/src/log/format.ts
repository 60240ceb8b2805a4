/**
 * Human renderings of a log record (the JSON object pino writes), without pino-pretty:
 *   plainLine   "component: msg": the lines commands printed before structured logs (library callers' callbacks)
 *   prettyLine  "time LEVEL component: msg key=value …", an error's stack on the following lines
 */

/** Keys every record carries that the human forms show in their own place (or not at all). */
const OWN_PLACE = new Set(['level', 'time', 'pid', 'hostname', 'component', 'msg', 'err']);

export type LogRecord = Record<string, unknown>;

export function plainLine(record: LogRecord): string {
  const msg = typeof record.msg === 'string' ? record.msg : '';
  return typeof record.component === 'string' ? `${record.component}: ${msg}` : msg;
}

export function prettyLine(record: LogRecord): string {
  const level = String(record.level ?? '').toUpperCase().padEnd(5);
  const fields = Object.entries(record)
    .filter(([k, v]) => !OWN_PLACE.has(k) && v !== undefined)
    .map(([k, v]) => ` ${k}=${fieldValue(v)}`)
    .join('');
  const err = record.err as { message?: unknown; stack?: unknown } | undefined;
  const errField = err ? ` err=${fieldValue(err.message ?? err)}` : '';
  // The stack goes below, indented: what a reader of a failure needs, while the record stays recognisable at a glance.
  const stack = typeof err?.stack === 'string' ? `\n${err.stack.replace(/^/gm, '    ')}` : '';
  return `${record.time ?? ''} ${level} ${plainLine(record)}${fields}${errField}${stack}`;
}

/** Bare when unambiguous (no spaces, quotes or '='), JSON otherwise, so that a line splits back into its fields. */
function fieldValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}
