/**
 * WebSocket text frames as a server sends them (RFC 6455 §5.2): FIN set, opcode 1, no mask, no extension bits. The
 * header is 2 bytes for a payload up to 125 bytes, 4 up to 65,535, else 10.
 */
const FIN_TEXT = 0x81;

export function textFrameHeaderLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10;
}

/** Writes the header of a text frame carrying `payloadLength` bytes at the start of `out`; returns its length. */
export function writeTextFrameHeader(out: Buffer, payloadLength: number): number {
  out[0] = FIN_TEXT;
  if (payloadLength < 126) {
    out[1] = payloadLength;
    return 2;
  }
  if (payloadLength < 65536) {
    out[1] = 126;
    out.writeUInt16BE(payloadLength, 2);
    return 4;
  }
  out[1] = 127;
  out.writeBigUInt64BE(BigInt(payloadLength), 2);
  return 10;
}

const sharedHeaders = new Map<number, Buffer>();

/**
 * The header of a text frame carrying `payloadLength` bytes, as its own buffer, shared by every frame of that length
 * (callers never change it): written as a chunk of its own ahead of a shared payload, a message needs no buffer of its
 * own (./ws-transport.ts).
 */
export function sharedTextFrameHeader(payloadLength: number): Buffer {
  let header = sharedHeaders.get(payloadLength);
  if (header === undefined) {
    if (sharedHeaders.size >= 4096) sharedHeaders.clear(); // bounded: start over rather than track use
    header = Buffer.allocUnsafeSlow(textFrameHeaderLength(payloadLength));
    writeTextFrameHeader(header, payloadLength);
    sharedHeaders.set(payloadLength, header);
  }
  return header;
}
