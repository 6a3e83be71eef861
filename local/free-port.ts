import { createServer } from 'node:net';

/**
 * Asks the OS for a free TCP port on `host`. Another process could take it before the caller binds
 * it; callers that can listen on port 0 themselves should do that instead.
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
