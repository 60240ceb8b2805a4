/**
 * Which malloc this process runs on. glibc's malloc keeps one arena per thread that allocates (inference workers,
 * libuv's pool, ffmpeg pipes) and fragments over hours of frames: a 10-minute soak of one 1080p camera grew 4.8 MB/min
 * on glibc and stayed flat on jemalloc (docs/performance.md, "Memory over time"). scripts/start.sh and the Docker
 * images preload jemalloc; this tells whether that happened.
 */
import fs from 'node:fs';

export type Allocator = 'jemalloc' | 'tcmalloc' | 'mimalloc' | 'default';

/** The allocator named by the shared libraries mapped into a process (its /proc/<pid>/maps text). */
export function allocatorIn(maps: string): Allocator {
  for (const name of ['jemalloc', 'tcmalloc', 'mimalloc'] as const) {
    if (new RegExp(`/lib${name}[^/\\s]*\\.so`).test(maps)) return name;
  }
  return 'default';
}

/** This process's allocator; 'default' where /proc cannot be read (not Linux). */
export function currentAllocator(): Allocator {
  try {
    return allocatorIn(fs.readFileSync('/proc/self/maps', 'utf8'));
  } catch {
    return 'default';
  }
}

/** The advice for a long-running server on this allocator; undefined when there is nothing to say. */
export function allocatorAdvice(allocator: Allocator, platform: NodeJS.Platform = process.platform): string | undefined {
  if (allocator !== 'default' || platform !== 'linux') return undefined;
  return 'glibc malloc in use: resident memory creeps up over hours of video (fragmentation). Install libjemalloc2 and start with LD_PRELOAD=libjemalloc.so.2 (scripts/start.sh and the Docker images do)';
}
