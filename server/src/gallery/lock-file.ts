/**
 * An exclusive, pid-stamped lock file: one process at a time owns a data directory's gallery.
 *
 * The file is created atomically with its whole content (written to a private temporary file, then hard-linked into
 * place, which fails when the lock exists), so nobody ever reads a half-written lock. Its first line is the holder's
 * pid; the second its start time (Linux /proc, clock ticks since boot), which tells a live holder from a new process
 * that was handed the same pid after the holder died; the third a random token that `release` checks before removing
 * the file. A lock whose holder is dead (or a zombie, or a different process under the same pid) is stale and taken
 * over. Two processes taking over the same stale lock in the same instant are not guarded against.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GalleryError } from './gallery.js';

export interface HeldLock {
  readonly path: string;
  release(): void;
}

interface LockHolder {
  pid: number;
  startTime?: string;
  token?: string;
}

/** Lock files held by this process (a second open in the same process is refused like one from another process). */
const heldHere = new Set<string>();

export function acquireLockFile(lockPath: string, what: string): HeldLock {
  const resolved = path.resolve(lockPath);
  if (heldHere.has(resolved)) {
    throw new GalleryError('CONFLICT', `${what} is already open in this process (lock ${resolved}); close it first`);
  }
  const token = randomUUID();
  const content = `${process.pid}\n${processStartTime(process.pid) ?? ''}\n${token}\n`;
  const temp = `${resolved}.${process.pid}.${token}.tmp`;
  fs.writeFileSync(temp, content, { flag: 'wx' });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.linkSync(temp, resolved);
        heldHere.add(resolved);
        return {
          path: resolved,
          release() {
            heldHere.delete(resolved);
            try {
              if (readHolder(resolved)?.token === token) fs.unlinkSync(resolved);
            } catch {
              // already gone
            }
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let raw: string;
      try {
        raw = fs.readFileSync(resolved, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
        throw err;
      }
      const holder = parseHolder(raw);
      if (holder && isAlive(holder)) {
        throw new GalleryError(
          'CONFLICT',
          `${what} is in use by process ${holder.pid} (lock file ${resolved}); only one BoostFace process may open a data directory at a time. ` +
            `Stop the other process, or remove the lock file if you are sure it is not running.`,
        );
      }
      // Stale: remove it unless it changed under us, then try again.
      try {
        if (fs.readFileSync(resolved, 'utf8') === raw) fs.unlinkSync(resolved);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    throw new GalleryError('CONFLICT', `${what}: could not take the lock file ${resolved} (it keeps changing); is another process starting?`);
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function readHolder(lockPath: string): LockHolder | undefined {
  return parseHolder(fs.readFileSync(lockPath, 'utf8'));
}

function parseHolder(raw: string): LockHolder | undefined {
  const [pidLine, startLine, tokenLine] = raw.split('\n');
  const pid = Number(pidLine?.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return { pid, startTime: startLine?.trim() || undefined, token: tokenLine?.trim() || undefined };
}

function isAlive(holder: LockHolder): boolean {
  // Our own pid but not in `heldHere`: left by an earlier process that had our pid (containers restart as pid 1).
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false; // ESRCH: no such process
  }
  const stat = procStat(holder.pid);
  if (stat === undefined) return true; // no /proc: trust the signal probe
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return holder.startTime === undefined || holder.startTime === stat.startTime;
}

function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.startTime;
}

/** State and start time from /proc/<pid>/stat (Linux); undefined elsewhere or when unreadable. */
function procStat(pid: number): { state: string; startTime: string } | undefined {
  let raw: string;
  try {
    raw = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ..." where comm may hold spaces and parentheses: split after the last ')'.
  const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); starttime is field 22.
  const state = fields[0];
  const startTime = fields[19];
  if (!state || !startTime) return undefined;
  return { state, startTime };
}
