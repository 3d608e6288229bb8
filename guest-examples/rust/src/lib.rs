//! `spin_ts_sdk` — a small, dependency-free guest SDK for spin-ts.
//!
//! Guests built with it target the WIT world `spin-ts:examples/inbound-http`
//! (see `wit/worlds.wit`): they export `fermyon:spin/inbound-http` and may
//! import `fermyon:spin/llm@2.0.0`, `fermyon:spin/variables@2.0.0` and (world
//! `spin-ts:examples/inbound-http-v1-sqlite`) the unversioned `fermyon:spin/sqlite`,
//! (world `spin-ts:examples/inbound-http-v1-outbound`) Spin 1.x's `fermyon:spin/http`.
//!
//! Everything that touches raw memory lives in [`abi`]; the rest of the crate
//! (and every guest) is safe Rust:
//!
//! ```ignore
//! use spin_ts_sdk::http::{Request, Response};
//!
//! spin_ts_sdk::http_component!(handle);
//!
//! fn handle(req: Request) -> Response {
//!     Response::new(200).with_body(format!("hello from {}", req.path()))
//! }
//! ```
//!
//! Built with Debian's Rust 1.63 for `wasm32-unknown-unknown`; see
//! `scripts/build-rust-guests.mjs`.

#![deny(unsafe_code)]
#![warn(missing_docs)]

#[doc(hidden)]
pub mod abi;
pub mod http;
pub mod json;
pub mod key_value;
pub mod llm;
pub mod outbound;
pub mod sqlite;
mod types;
pub mod variables;

pub use http::{IntoResponse, Method, Request, Response};
