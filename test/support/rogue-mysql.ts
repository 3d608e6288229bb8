/**
 * A hostile MySQL server, for the LOAD DATA LOCAL test: it accepts any login, and answers
 * the first statement a client executes by asking it for a local file (the protocol lets a
 * server send that request whatever the statement was). It records the capability flags the
 * client sent and every byte the client sends back as that file's contents.
 */
import { createServer, type Server, type Socket } from 'node:net';

const CLIENT_LOCAL_FILES = 0x80;
const CAPABILITIES = 0x1 | 0x2 | 0x4 | 0x8 | CLIENT_LOCAL_FILES | 0x200 | 0x2000 | 0x8000 | 0x20000 | 0x80000 | 0x200000;
const OK = Buffer.from([0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]);

export interface RogueMysql {
  port: number;
  /** Whether any client's login offered LOAD DATA LOCAL (CLIENT_LOCAL_FILES). */
  offeredLocalFiles(): boolean;
  /** The bytes clients sent as the requested file's contents, all connections together. */
  fileBytes(): Buffer;
  /** How many file requests were sent. */
  requests(): number;
  close(): Promise<void>;
}

function packet(seq: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUIntLE(payload.length, 0, 3);
  head[3] = seq & 0xff;
  return Buffer.concat([head, payload]);
}

function greeting(): Buffer {
  const b = Buffer.alloc(256);
  let at = 0;
  b[at++] = 10;
  at += b.write('5.7.99-rogue\0', at, 'latin1');
  b.writeUInt32LE(7, at);
  at += 4;
  at += b.write('abcdefgh', at, 'latin1');
  b[at++] = 0;
  b.writeUInt16LE(CAPABILITIES & 0xffff, at);
  at += 2;
  b[at++] = 45;
  b.writeUInt16LE(2, at);
  at += 2;
  b.writeUInt16LE(CAPABILITIES >>> 16, at);
  at += 2;
  b[at++] = 21;
  at += 10;
  at += b.write('ijklmnopqrst\0', at, 'latin1');
  at += b.write('mysql_native_password\0', at, 'latin1');
  return b.subarray(0, at);
}

export async function startRogueMysql(fileToAskFor: string): Promise<RogueMysql> {
  let offered = false;
  let asked = 0;
  const received: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    let state: 'login' | 'command' | 'file' = 'login';
    socket.write(packet(0, greeting()));
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const length = buffered.readUIntLE(0, 3);
        if (buffered.length < 4 + length) break;
        const seq = buffered[3]!;
        const payload = buffered.subarray(4, 4 + length);
        buffered = buffered.subarray(4 + length);
        if (state === 'login') {
          if (payload.readUInt32LE(0) & CLIENT_LOCAL_FILES) offered = true;
          socket.write(packet(seq + 1, OK));
          state = 'command';
        } else if (state === 'file') {
          if (length === 0) {
            socket.write(packet(seq + 1, OK));
            state = 'command';
          } else received.push(Buffer.from(payload));
        } else {
          switch (payload[0]) {
            case 0x16: // COM_STMT_PREPARE: statement 1, no columns, no parameters
              socket.write(packet(1, Buffer.from([0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])));
              break;
            case 0x17: // COM_STMT_EXECUTE: "send me this file"
            case 0x03: // COM_QUERY
              asked++;
              socket.write(packet(1, Buffer.concat([Buffer.from([0xfb]), Buffer.from(fileToAskFor)])));
              state = 'file';
              break;
            case 0x19: // COM_STMT_CLOSE: no answer
              break;
            case 0x01: // COM_QUIT
              socket.end();
              break;
            default: // COM_RESET_CONNECTION, COM_PING, …
              socket.write(packet(1, OK));
          }
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    offeredLocalFiles: () => offered,
    fileBytes: () => Buffer.concat(received),
    requests: () => asked,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
