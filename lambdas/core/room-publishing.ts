/**
 * Publishing to a room: the frame is queued for the room's sequencer (room-sequencer.ts), which fans it
 * out in the room's order, so the caller returns at once whatever the room's size. Nothing here posts
 * to a member: a 10,000-member room costs its publisher one queue message, not 10,000 posts.
 */
import { frameText, type ServerFrame } from './frames.ts';
import type { PublicationQueue } from './ports.ts';

export interface PublishDeps {
  readonly publications: PublicationQueue;
}

export interface PublishOptions {
  /** A connection that already got its own copy (the caller of a request). */
  readonly exclude?: string;
}

/** Queues `frame` for every member of `room` (but `exclude`), in order after what was queued before. */
export async function publishToRoom(
  deps: PublishDeps,
  room: string,
  frame: ServerFrame,
  options: PublishOptions = {},
): Promise<void> {
  await deps.publications.publish([
    {
      kind: 'frame',
      room,
      frame: frameText(frame),
      ...(options.exclude !== undefined ? { exclude: options.exclude } : {}),
    },
  ]);
}

/**
 * Most connections one publication names (a deleted room's former members): keeps the queue message
 * far below SQS's 256 KB whatever the room's size.
 */
export const RECIPIENTS_PER_PUBLICATION = 500;

/** Queues `frame` for the given connections only, through the room's sequencer (so after its earlier frames). */
export async function publishToConnections(
  deps: PublishDeps,
  room: string,
  frame: ServerFrame,
  recipients: readonly string[],
): Promise<void> {
  const data = frameText(frame);
  const publications = [];
  for (let start = 0; start < recipients.length; start += RECIPIENTS_PER_PUBLICATION) {
    publications.push({
      kind: 'frame' as const,
      room,
      frame: data,
      recipients: recipients.slice(start, start + RECIPIENTS_PER_PUBLICATION),
    });
  }
  if (publications.length > 0) await deps.publications.publish(publications);
}
