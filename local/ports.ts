import { createServer } from 'node:net';

export interface WantedPort {
  readonly port: number;
  readonly host: string;
  /** What listens there, for the message: "the API". */
  readonly what: string;
  /** The setting that moves it: "PORT". */
  readonly setting: string;
}

/** Listens and closes at once: free if the listen succeeds. */
function tryListen(port: number, host: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/**
 * The first reason the ports `npm start` is about to use cannot be used, as one line naming the
 * port and the setting to change, or undefined when all are free. Run before anything is started
 * or written, so a second `npm start` leaves the first one's data alone.
 */
export async function unusablePortMessage(wanted: readonly WantedPort[]): Promise<string | undefined> {
  const seen = new Map<number, WantedPort>();
  for (const entry of wanted) {
    const other = seen.get(entry.port);
    if (other !== undefined) return `${entry.setting} and ${other.setting} are both ${entry.port}: give ${entry.what} and ${other.what} different ports.`;
    seen.set(entry.port, entry);
  }
  for (const entry of wanted) {
    const error = await tryListen(entry.port, entry.host);
    if (error === undefined) continue;
    if (error.code === 'EADDRINUSE') return `Port ${entry.port} (${entry.what}) is already in use: stop what uses it, or set ${entry.setting} to a free port.`;
    if (error.code === 'EACCES') return `Port ${entry.port} (${entry.what}) needs privileges on this machine: set ${entry.setting} to a port above 1023.`;
    if (error.code === 'EADDRNOTAVAIL') return `${entry.host} is not an address of this machine: change ITSM_HOST (${entry.what}).`;
    return `Port ${entry.port} (${entry.what}) cannot be opened on ${entry.host} (${error.code ?? error.message}): set ${entry.setting}.`;
  }
  return undefined;
}
