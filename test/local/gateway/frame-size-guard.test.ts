import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameSizeGuard } from '../../../local/gateway/frame-size-guard.ts';

/** A masked client frame (RFC 6455 §5.2) with the given opcode and payload length. */
function frame(opcode: number, length: number, fin = true): Buffer {
  const header: number[] = [(fin ? 0x80 : 0) | opcode];
  if (length < 126) header.push(0x80 | length);
  else if (length < 65_536) header.push(0x80 | 126, length >> 8, length & 0xff);
  else {
    header.push(0x80 | 127, 0, 0, 0, 0);
    header.push((length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
  }
  return Buffer.concat([Buffer.from(header), Buffer.from([1, 2, 3, 4]), Buffer.alloc(length)]);
}

describe('frame size guard', () => {
  it.each([
    ['a text frame at the limit', [frame(1, 100)], false],
    ['a text frame over the limit', [frame(1, 101)], true],
    ['a continuation frame over the limit', [frame(1, 50, false), frame(0, 101)], true],
    ['many small frames', [frame(1, 100, false), frame(0, 100, false), frame(0, 100)], false],
    ['a large ping (control frames are not data)', [frame(9, 120)], false],
    ['a 64-bit length', [frame(2, 70_000)], true],
  ])('reports %s: %s', (_name, frames, expected) => {
    // Prepare
    const guard = new FrameSizeGuard(100);

    // Act
    const tooLarge = frames.some((bytes) => guard.feed(bytes));

    // Assess
    expect(tooLarge).toBe(expected);
  });

  it('gives the same answer however the bytes are split into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        (lengths, cuts) => {
          // Prepare
          const bytes = Buffer.concat(lengths.map((length) => frame(2, length)));
          const expected = lengths.some((length) => length > 200);
          const guard = new FrameSizeGuard(200);

          // Act
          let seen = false;
          let offset = 0;
          for (let i = 0; offset < bytes.length; i++) {
            const size = cuts[i % cuts.length] as number;
            seen = guard.feed(bytes.subarray(offset, offset + size)) || seen;
            offset += size;
          }

          // Assess
          expect(seen).toBe(expected);
        },
      ),
    );
  });
});
