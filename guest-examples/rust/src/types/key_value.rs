//! Spin 1.x `fermyon:spin/key-value`'s error: data only, so [`crate::abi`] can lift and lower it
//! without depending on [`crate::key_value`], which calls `abi`.

use std::fmt;

/// `error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The instance has too many stores open.
    StoreTableFull,
    /// No store has that label (the app declares it nowhere).
    NoSuchStore,
    /// The component may not use that store (not in its `key_value_stores`).
    AccessDenied,
    /// The store handle is not valid.
    InvalidStore,
    /// `get` of a key that is not there.
    NoSuchKey,
    /// Anything else, with the backend's message.
    Io(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::StoreTableFull => f.write_str("store table full"),
            Error::NoSuchStore => f.write_str("no such store"),
            Error::AccessDenied => f.write_str("access denied"),
            Error::InvalidStore => f.write_str("invalid store"),
            Error::NoSuchKey => f.write_str("no such key"),
            Error::Io(m) => write!(f, "io: {}", m),
        }
    }
}

impl std::error::Error for Error {}
