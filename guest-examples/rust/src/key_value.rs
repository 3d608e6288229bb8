//! `fermyon:spin/key-value` (the unversioned, handle-based Spin 1.x interface): the
//! stores a component lists in `key_value_stores`.
//!
//! ```ignore
//! let store = spin_ts_sdk::key_value::Store::open("default")?;
//! store.set("greeting", b"hello")?;
//! assert_eq!(store.get("greeting")?, b"hello");
//! ```

use std::fmt;

use crate::abi;

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

/// An open store; closed when dropped.
#[derive(Debug)]
pub struct Store(u32);

impl Store {
    /// Opens the store labelled `label` (`"default"` always exists).
    pub fn open(label: &str) -> Result<Store, Error> {
        abi::kv_open(label).map(Store)
    }
    /// The value of `key` (`Error::NoSuchKey` when it has none).
    pub fn get(&self, key: &str) -> Result<Vec<u8>, Error> {
        abi::kv_get(self.0, key)
    }
    /// Sets `key` to `value`.
    pub fn set(&self, key: &str, value: &[u8]) -> Result<(), Error> {
        abi::kv_set(self.0, key, value)
    }
    /// Removes `key` (no error when it was not there).
    pub fn delete(&self, key: &str) -> Result<(), Error> {
        abi::kv_delete(self.0, key)
    }
    /// Whether `key` has a value.
    pub fn exists(&self, key: &str) -> Result<bool, Error> {
        abi::kv_exists(self.0, key)
    }
    /// Every key in the store.
    pub fn get_keys(&self) -> Result<Vec<String>, Error> {
        abi::kv_get_keys(self.0)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        abi::kv_close(self.0);
    }
}
