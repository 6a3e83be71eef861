/**
 * Watches the raw bytes a client sends and reports the first data frame whose payload exceeds the
 * frame limit. API Gateway closes such a connection with 1009 even when the whole message is within
 * the message limit; `ws` only limits whole messages, so frames are checked here, before `ws` reads them.
 *
 * Only headers are parsed (RFC 6455 §5.2); payload bytes are skipped, never copied.
 */
export class FrameSizeGuard {
  private header: number[] = [];
  private skip = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds received bytes; returns true once a data frame (text, binary or continuation) is too large. */
  feed(chunk: Uint8Array): boolean {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.skip > 0) {
        const skipped = Math.min(this.skip, chunk.length - offset);
        this.skip -= skipped;
        offset += skipped;
        continue;
      }
      this.header.push(chunk[offset] as number);
      offset++;
      const length = headerLength(this.header);
      if (length === undefined || this.header.length < length) continue;
      const payload = payloadLength(this.header);
      const opcode = (this.header[0] as number) & 0x0f;
      this.header = [];
      if (opcode < 0x08 && payload > this.maxFrameBytes) return true;
      this.skip = payload;
    }
    return false;
  }
}

function headerLength(header: readonly number[]): number | undefined {
  if (header.length < 2) return undefined;
  const second = header[1] as number;
  const short = second & 0x7f;
  const extended = short === 126 ? 2 : short === 127 ? 8 : 0;
  return 2 + extended + (second & 0x80 ? 4 : 0);
}

function payloadLength(header: readonly number[]): number {
  const short = (header[1] as number) & 0x7f;
  if (short < 126) return short;
  const bytes = header.slice(2, short === 126 ? 4 : 10);
  return bytes.reduce((length, byte) => length * 256 + byte, 0);
}
