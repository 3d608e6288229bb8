/**
 * Guest side of the interfaces spin-ts does not serve (./index.ts): every way in returns
 * the interface's error, so the guest's own error handling sees it, and logs one line.
 * The resource classes exist only for jco's glue to name; none is ever constructed.
 */
import type { GuestImportsFactory } from '../factor.js';
import { GuestResultError } from '../guest-error.js';

export const createGuestImports: GuestImportsFactory = (ctx) => {
  const refuse = (iface: string, error: (message: string) => unknown): never => {
    const message = `spin-ts does not provide ${iface}`;
    ctx.log(`component '${ctx.componentId}' called ${iface}, which spin-ts does not provide: it got an error`);
    throw new GuestResultError(error(message));
  };
  const socketsDenied = (iface: string) => (): never => refuse(iface, () => 'access-denied');

  class Network {}
  class TcpSocket {}
  class UdpSocket {}
  class IncomingDatagramStream {}
  class OutgoingDatagramStream {}
  class ResolveAddressStream {}
  const network = new Network();

  return {
    imports: {
      'spin:sqlite/sqlite': {
        Connection: class Connection {
          static open(): never {
            return refuse('spin:sqlite/sqlite@3.0.0 (it serves SQLite as fermyon:spin/sqlite@2.0.0)', (message) => ({ tag: 'io', val: message }));
          }
        },
      },
      'wasi:sockets/network': { Network },
      'wasi:sockets/instance-network': { instanceNetwork: () => network },
      'wasi:sockets/tcp': { TcpSocket },
      'wasi:sockets/tcp-create-socket': { createTcpSocket: socketsDenied('wasi:sockets (TCP)') },
      'wasi:sockets/udp': { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
      'wasi:sockets/udp-create-socket': { createUdpSocket: socketsDenied('wasi:sockets (UDP)') },
      'wasi:sockets/ip-name-lookup': { ResolveAddressStream, resolveAddresses: socketsDenied('wasi:sockets (name lookup)') },
    },
  };
};
