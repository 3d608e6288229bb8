/** Shared by guest sides: a thrown value jco turns into a WIT `result`'s error. */
export { WasiResultError as GuestResultError } from '../wasi/io.js';
