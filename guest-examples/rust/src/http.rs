//! The `fermyon:spin/http-types` records and the `inbound-http` entry point.
//!
//! Use [`http_component!`](crate::http_component) to export a handler
//! `fn(Request) -> impl IntoResponse`.

use std::borrow::Cow;
use std::fmt;

/// `fermyon:spin/http-types.method` (an `enum`, one byte in the ABI).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `PATCH`
    Patch,
    /// `HEAD`
    Head,
    /// `OPTIONS`
    Options,
}

impl Method {
    /// All methods, in WIT declaration order (the index is the ABI value).
    pub const ALL: [Method; 7] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Patch,
        Method::Head,
        Method::Options,
    ];

    /// The upper-case HTTP token, e.g. `"POST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `fermyon:spin/http-types.request`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The request method.
    pub method: Method,
    /// The request URI as given by the host (a path with query, or a full URL).
    pub uri: String,
    /// Header name/value pairs, in the order the host sent them.
    pub headers: Vec<(String, String)>,
    /// Extra parameters supplied by the host.
    pub params: Vec<(String, String)>,
    /// The body; `None` when the host sent no body at all.
    pub body: Option<Vec<u8>>,
}

impl Request {
    /// The first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_pair(&self.headers, name)
    }

    /// All values of headers named `name` (ASCII case-insensitive), in order.
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first param named `name` (exact match).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path of [`uri`](Self::uri): without scheme, authority, query and fragment.
    pub fn path(&self) -> &str {
        let mut rest = self.uri.as_str();
        if let Some(i) = rest.find("://") {
            rest = &rest[i + 3..];
            rest = match rest.find('/') {
                Some(j) => &rest[j..],
                None => "/",
            };
        }
        let end = rest.find(|c| c == '?' || c == '#').unwrap_or(rest.len());
        &rest[..end]
    }

    /// The query string of [`uri`](Self::uri) (without `?`), if any.
    pub fn query(&self) -> Option<&str> {
        let q = &self.uri[self.uri.find('?')? + 1..];
        Some(match q.find('#') {
            Some(i) => &q[..i],
            None => q,
        })
    }

    /// The body bytes (empty when there is no body).
    pub fn body_bytes(&self) -> &[u8] {
        self.body.as_deref().unwrap_or(&[])
    }

    /// The body as text (invalid UTF-8 is replaced with U+FFFD).
    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.body_bytes())
    }
}

/// `fermyon:spin/http-types.response`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header name/value pairs; `None` sends `option::none`.
    pub headers: Option<Vec<(String, String)>>,
    /// The body; `None` sends `option::none`.
    pub body: Option<Vec<u8>>,
}

impl Response {
    /// A response with `status`, no headers and no body.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: None,
            body: None,
        }
    }

    /// A `text/plain; charset=utf-8` response.
    pub fn text(status: u16, text: impl Into<String>) -> Self {
        Response::new(status)
            .with_header("content-type", "text/plain; charset=utf-8")
            .with_body(text.into())
    }

    /// An `application/json` response; `json` must already be serialized.
    pub fn json(status: u16, json: impl Into<String>) -> Self {
        Response::new(status)
            .with_header("content-type", "application/json")
            .with_body(json.into())
    }

    /// Appends a header (creating the header list if needed).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .get_or_insert_with(Vec::new)
            .push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// The first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_pair(self.headers.as_deref().unwrap_or(&[]), name)
    }
}

/// Anything a handler may return.
pub trait IntoResponse {
    /// Converts into the response sent to the host.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

/// `Err(e)` becomes a `500` with `e`'s `Display` text as the body.
impl<E: fmt::Display> IntoResponse for Result<Response, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(r) => r,
            Err(e) => Response::text(500, e.to_string()),
        }
    }
}

fn find_pair<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
