//! Spin 1.x `fermyon:spin/http`'s error: data only, so [`crate::abi`] can lift and lower it
//! without depending on [`crate::outbound`], which calls `abi`.

use std::fmt;

/// `fermyon:spin/http-types.http-error` (`success` is never an error the host returns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpError {
    /// The host reported success as an error (not expected).
    Success,
    /// The URL is not in the component's `allowed_outbound_hosts`.
    DestinationNotAllowed,
    /// The URI does not parse.
    InvalidUrl,
    /// The request failed (connection, TLS, timeout; the host log says which).
    RequestError,
    /// The host failed otherwise.
    RuntimeError,
    /// The host is sending too many requests.
    TooManyRequests,
}

impl HttpError {
    /// In WIT declaration order (the index is the ABI value).
    pub(crate) const ALL: [HttpError; 6] = [
        HttpError::Success,
        HttpError::DestinationNotAllowed,
        HttpError::InvalidUrl,
        HttpError::RequestError,
        HttpError::RuntimeError,
        HttpError::TooManyRequests,
    ];

    /// The WIT case name, e.g. `"destination-not-allowed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpError::Success => "success",
            HttpError::DestinationNotAllowed => "destination-not-allowed",
            HttpError::InvalidUrl => "invalid-url",
            HttpError::RequestError => "request-error",
            HttpError::RuntimeError => "runtime-error",
            HttpError::TooManyRequests => "too-many-requests",
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for HttpError {}
