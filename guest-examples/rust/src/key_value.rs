//! `fermyon:spin/key-value` (the unversioned, handle-based Spin 1.x interface): the
//! stores a component lists in `key_value_stores`.
//!
//! ```ignore
//! let store = spin_ts_sdk::key_value::Store::open("default")?;
//! store.set("greeting", b"hello")?;
//! assert_eq!(store.get("greeting")?, b"hello");
//! ```

use crate::abi;
pub use crate::types::key_value::Error;

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
