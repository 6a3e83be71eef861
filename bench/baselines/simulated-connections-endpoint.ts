/**
 * A stand-in for API Gateway's @connections API: an HTTP server on 127.0.0.1 that answers every
 * `POST /<stage>/@connections/{id}` with 200 after a fixed delay, as a remote endpoint with a fixed
 * round-trip time would. It counts the posts each connection received and the most posts it ever had in
 * flight at once, so a benchmark can check delivery and run its baseline at the concurrency the
 * production code actually used.
 */
import { createServer, type Server } from 'node:http';

export interface SimulatedConnectionsEndpoint {
  /** `http://127.0.0.1:<port>/bench`: the management API endpoint (`CALLBACK_URL`). */
  readonly callbackUrl: string;
  /** Posts received per connection id since the last `reset()`. */
  readonly received: ReadonlyMap<string, number>;
  /** The most posts in flight at once since the last `reset()`. */
  readonly peakInFlight: number;
  reset(): void;
  close(): Promise<void>;
}

export async function startSimulatedConnectionsEndpoint(
  latencyMs: number,
): Promise<SimulatedConnectionsEndpoint> {
  const received = new Map<string, number>();
  let inFlight = 0;
  let peakInFlight = 0;
  const prefix = '/bench/@connections/';
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    request.resume();
    if (request.method !== 'POST' || !path.startsWith(prefix)) {
      response.writeHead(404).end();
      return;
    }
    const id = decodeURIComponent(path.slice(prefix.length));
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    request.once('end', () => {
      setTimeout(() => {
        inFlight--;
        received.set(id, (received.get(id) ?? 0) + 1);
        response.writeHead(200, { 'content-length': 0 }).end();
      }, latencyMs);
    });
  });
  // Keep-alive sockets outlive a benchmark round; never let them hold the server open.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    callbackUrl: `http://127.0.0.1:${port}/bench`,
    received,
    get peakInFlight() {
      return peakInFlight;
    },
    reset() {
      received.clear();
      peakInFlight = inFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
