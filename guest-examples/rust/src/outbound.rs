//! Spin 1.x outbound HTTP (`fermyon:spin/http` `send-request`): one request, its
//! body and the response's body whole (the interface has no streams).
//!
//! ```ignore
//! use spin_ts_sdk::{outbound, Method, Request};
//! let req = Request { method: Method::Get, uri: "https://example.com/".into(), headers: vec![], params: vec![], body: None };
//! let res = outbound::send(&req)?;
//! ```
//!
//! The host checks every request against the component's `allowed_outbound_hosts`;
//! a relative URI (`/path`) goes to the app itself (`http://self`) and
//! `http://<component>.spin.internal/...` to one of its components, without the network.

use crate::abi;
use crate::http::{Request, Response};
pub use crate::types::outbound::HttpError;

/// Sends `req` (its `params` are ignored by hosts) and waits for the whole response.
pub fn send(req: &Request) -> Result<Response, HttpError> {
    abi::http_send_request(req)
}
