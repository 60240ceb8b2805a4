/**
 * Wakes waiting subscribers a chunk at a time, one chunk per turn of the event loop.
 *
 * A wake-up sets off one subscriber's delivery (execution, serialization, socket write) in microtasks, which run before
 * anything else can. Woken all at once, hundreds of subscribers at 200 events/s make long runs of microtasks that keep
 * the live pipeline's own steps on the same event loop (frames from ffmpeg, detections back from the inference
 * workers) waiting: its detect rate fell to 40% at 500 subscribers while a core was free. In chunks, the pipeline's
 * I/O gets its turn every `chunk` wake-ups. The queue holds at most one entry per subscription (an event stream asks
 * again only after it was woken); events wait in the subscriptions' own bounded queues, where box updates coalesce.
 */
export interface DeliveryTurns {
  /** Call `wake` in a coming chunk (first asked, first woken). */
  schedule(wake: () => void): void;
}

export function createDeliveryTurns(chunk = 64, onError: (err: unknown) => void = () => undefined): DeliveryTurns {
  let queue: (() => void)[] = [];
  let next = 0;
  const run = () => {
    const end = Math.min(queue.length, next + chunk);
    while (next < end) {
      const wake = queue[next++];
      try {
        wake();
      } catch (err) {
        onError(err);
      }
    }
    if (next < queue.length) {
      if (next >= 4096) {
        // Under steady load the queue never runs dry: drop what was served now and then.
        queue = queue.slice(next);
        next = 0;
      }
      // Scheduled from inside the check phase, this runs in the next turn, after that turn's I/O.
      setImmediate(run);
      return;
    }
    queue = [];
    next = 0;
  };
  return {
    schedule(wake) {
      // A queue that was empty has no run scheduled (a run empties it before it stops).
      if (queue.push(wake) === 1) setImmediate(run);
    },
  };
}
