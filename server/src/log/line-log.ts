/**
 * Adapters from the text callbacks parts of the server take (`log: (line: string) => void`, lines written as
 * "component: message") to structured records, so that those parts need not know about the logger.
 */
import type { LogLevel } from './levels.js';
import type { Logger } from './logger.js';

const PREFIX = /^([a-z][a-z0-9-]*): ([\s\S]*)$/;
/** Text callbacks carry no level: a line that reports a failure is a warning at least. */
const FAILURE = /\b(failed|error)\b/i;
const RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** "engine: detector …" → { component: 'engine', msg: 'detector …' }; a line without the prefix is all message. */
export function splitComponent(line: string): { component?: string; msg: string } {
  const m = PREFIX.exec(line);
  return m ? { component: m[1], msg: m[2] } : { msg: line };
}

export interface LineLogOptions {
  /** Component of lines without a "component: " prefix. */
  component?: string;
  /** Level of every line (default info; failure lines at warn at least). */
  level?: LogLevel;
}

/**
 * A text callback writing one record per line to `root` (a logger without a component binding: the line's prefix,
 * or the default, becomes the component).
 */
export function lineLog(root: Logger, options: LineLogOptions = {}): (line: string) => void {
  const children = new Map<string, Logger>();
  const child = (component: string | undefined) => {
    if (!component) return root;
    let c = children.get(component);
    if (!c) children.set(component, (c = root.child({ component })));
    return c;
  };
  const base = options.level ?? 'info';
  return (line) => {
    const { component, msg } = splitComponent(line);
    const level = RANK[base] < RANK.warn && FAILURE.test(msg) ? 'warn' : base;
    child(component ?? options.component)[level](msg);
  };
}

/**
 * The text callback for the admin-token bootstrap (api/auth/bootstrap.ts), which prints the first admin token's
 * secret once, on a line of its own indented by two spaces. That line becomes a record whose message says what it is
 * and carries the secret, also in the field `adminTokenSecret`: the one secret ever logged, on purpose (the operator
 * has no other way to learn it). It is written at warn, or at the logger's own level when that is higher, so that no
 * level setting hides it.
 */
export function adminBootstrapLog(root: Logger): (line: string) => void {
  const api = root.child({ component: 'api' });
  const others = lineLog(root, { component: 'api' });
  return (line) => {
    const secret = /^ {2}(\S+)$/.exec(line)?.[1];
    if (!secret) return others(line);
    const level = RANK[root.level as LogLevel] > RANK.warn ? (root.level as LogLevel) : 'warn';
    api[level]({ adminTokenSecret: secret }, `first admin API token secret (shown only this once): ${secret}`);
  };
}
