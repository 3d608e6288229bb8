/**
 * The handles a guest's open calls return (a database connection, for the postgres and mysql
 * factors): each belongs to the request and component that opened it, can be used only from
 * there, and is given back when that request ends however the guest left it.
 */
import type { CallContext } from '../components/bridge.js';

interface Entry<T> {
  value: T;
  componentId: string;
  requestId: number;
}

export class RequestHandles<T> {
  private readonly entries = new Map<number, Entry<T>>();
  private readonly byRequest = new Map<number, Set<number>>();
  private next = 1;

  /** A new handle for `value`, held for the calling request. */
  add(call: CallContext, value: T): number {
    const handle = this.next++;
    this.entries.set(handle, { value, componentId: call.componentId, requestId: call.requestId });
    let set = this.byRequest.get(call.requestId);
    if (!set) this.byRequest.set(call.requestId, (set = new Set()));
    set.add(handle);
    return handle;
  }

  /** The handle's value when the calling request (and component) holds it; another request's handle is unknown here. */
  get(call: CallContext, handle: number): T | undefined {
    return this.held(call, handle)?.value;
  }

  /** Forgets a handle the calling request holds and returns its value (undefined for any other handle). */
  take(call: CallContext, handle: number): T | undefined {
    const e = this.held(call, handle);
    if (e) this.forget(handle, e);
    return e?.value;
  }

  private held(call: CallContext, handle: number): Entry<T> | undefined {
    const e = this.entries.get(handle);
    return e && e.requestId === call.requestId && e.componentId === call.componentId ? e : undefined;
  }

  private forget(handle: number, e: Entry<T>): void {
    this.entries.delete(handle);
    this.byRequest.get(e.requestId)?.delete(handle);
  }

  /** Forgets every handle the request holds, returning their values. */
  takeRequest(requestId: number): T[] {
    const set = this.byRequest.get(requestId);
    if (!set) return [];
    this.byRequest.delete(requestId);
    return [...set].map((handle) => {
      const e = this.entries.get(handle)!;
      this.entries.delete(handle);
      return e.value;
    });
  }

  /** Forgets every handle, returning their values. */
  takeAll(): T[] {
    const values = [...this.entries.values()].map((e) => e.value);
    this.entries.clear();
    this.byRequest.clear();
    return values;
  }
}
