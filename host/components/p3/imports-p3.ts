/**
 * The import object a WASIp3 component gets: the worker's usual one (WASI 0.2 and every
 * factor's guest side, which serve the SDK's 0.2 and Spin 2 interfaces), with our
 * wasi:http/types@0.3 classes in place of 0.2's (jco keys imports without their version,
 * so one class serves every version: http-types-p3.ts), and a stand-in for every member
 * nothing implements yet, so the component instantiates and a call to it fails naming it.
 * The SDKs' worlds import every Spin and WASI interface in three versions whether the app
 * uses them or not.
 */
import { httpTypesP3 } from './http-types-p3.js';

function missingMember(iface: string, member: string): () => never {
  return () => {
    throw new Error(`spin-ts does not serve ${iface} ${member} to WASIp3 components yet`);
  };
}

function withStandIns(iface: string, members: object): object {
  return new Proxy(members, {
    get(target, prop, receiver) {
      if (typeof prop !== 'string' || prop in target) return Reflect.get(target, prop, receiver);
      return missingMember(iface, prop);
    },
  });
}

export function p3Imports(imports: Record<string, object>): Record<string, object> {
  return new Proxy(imports, {
    get(target, prop) {
      if (typeof prop !== 'string') return undefined;
      const members = target[prop] as Record<string, unknown>;
      const iface = prop.replace(/@[^@/]*$/, '');
      if (iface === 'wasi:http/types') return withStandIns(prop, { ...members, ...httpTypesP3 });
      return withStandIns(prop, members);
    },
  });
}
