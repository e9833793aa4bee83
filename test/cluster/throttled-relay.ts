/**
 * A TCP relay that passes bytes on at a bounded rate, so that a clone or a
 * push takes seconds instead of milliseconds and an instance can be killed
 * while it is under way. Bytes are relayed unchanged (TLS included).
 */
import net from 'node:net';

export interface Relay {
  port: number;
  close(): Promise<void>;
}

/** Relays 127.0.0.1:<port> to 127.0.0.1:`target`, each direction at most `bytesPerSecond`. */
export async function throttledRelay(target: number, bytesPerSecond: number): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    pace(client, upstream, bytesPerSecond);
    pace(upstream, client, bytesPerSecond);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function pace(from: net.Socket, to: net.Socket, bytesPerSecond: number): void {
  from.on('data', (chunk: Buffer) => {
    to.write(chunk);
    from.pause();
    setTimeout(() => from.resume(), (chunk.length / bytesPerSecond) * 1000);
  });
  from.on('end', () => to.end());
}
