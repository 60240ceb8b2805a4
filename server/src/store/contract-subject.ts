/** For contract tests: the subject a test opens is cleaned up after it, whatever the test's outcome. */
import { afterEach } from 'vitest';

export function subjectPerTest<S extends { cleanup(): Promise<void> }>(make: () => Promise<S>): () => Promise<S> {
  let subject: S | undefined;
  afterEach(async () => {
    await subject?.cleanup();
    subject = undefined;
  });
  return async () => (subject = await make());
}
