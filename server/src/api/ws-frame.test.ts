import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';

/** ws' own frame parser (what its clients run); not in its type declarations. */
interface FrameReceiver {
  on(event: 'message', cb: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
  write(chunk: Buffer): void;
}
const { Receiver } = createRequire(import.meta.url)('ws') as { Receiver: new (options: object) => FrameReceiver };
import { textFrameHeaderLength, writeTextFrameHeader } from './ws-frame.js';

/** Frames a payload our way and reads it back with ws' own frame parser (the one its clients use). */
function roundTrip(payload: Buffer): Promise<{ data: Buffer; isBinary: boolean }> {
  const header = textFrameHeaderLength(payload.length);
  const frame = Buffer.allocUnsafe(header + payload.length);
  expect(writeTextFrameHeader(frame, payload.length)).toBe(header);
  payload.copy(frame, header);
  return new Promise((resolve, reject) => {
    const receiver = new Receiver({ isServer: false, maxPayload: 0 });
    receiver.on('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary }));
    receiver.on('error', reject);
    receiver.write(frame);
  });
}

describe('text frames', () => {
  it('uses the shortest header each payload length allows', () => {
    expect([0, 125, 126, 65535, 65536, 1 << 24].map(textFrameHeaderLength)).toEqual([2, 2, 4, 4, 10, 10]);
  });

  it.each([0, 1, 125, 126, 127, 65535, 65536, 200_000])('a %i-byte text payload reads back whole as text', async (n) => {
    const payload = Buffer.alloc(n, 'a');
    if (n > 2) payload.write('{"é"}', 0); // multi-byte UTF-8
    const { data, isBinary } = await roundTrip(payload);
    expect(isBinary).toBe(false);
    expect(Buffer.compare(Buffer.from(data), payload)).toBe(0);
  });
});
