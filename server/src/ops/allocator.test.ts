import { describe, expect, it } from 'vitest';
import { allocatorAdvice, allocatorIn, currentAllocator } from './allocator.js';

const line = (file: string) => `7f3e68000000-7f3e68200000 r-xp 00000000 fd:01 1234 ${file}\n`;

describe('allocator', () => {
  it('names the allocator from the mapped libraries', () => {
    expect(allocatorIn(line('/usr/lib/x86_64-linux-gnu/libjemalloc.so.2') + line('/usr/lib/x86_64-linux-gnu/libc.so.6'))).toBe('jemalloc');
    expect(allocatorIn(line('/usr/lib/libtcmalloc_minimal.so.4'))).toBe('tcmalloc');
    expect(allocatorIn(line('/usr/lib/x86_64-linux-gnu/libc.so.6'))).toBe('default');
    expect(allocatorIn(line('/data/jemalloc-notes/libc.so.6'))).toBe('default'); // a directory name is not a library
  });

  it('advises jemalloc only for glibc on Linux', () => {
    expect(allocatorAdvice('default', 'linux')).toMatch(/LD_PRELOAD=libjemalloc\.so\.2/);
    expect(allocatorAdvice('jemalloc', 'linux')).toBeUndefined();
    expect(allocatorAdvice('default', 'darwin')).toBeUndefined();
  });

  it('reads this process', () => {
    const expected = (process.env.LD_PRELOAD ?? '').includes('jemalloc') ? 'jemalloc' : 'default';
    expect(currentAllocator()).toBe(expected);
  });
});
