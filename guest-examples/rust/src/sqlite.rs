//! `fermyon:spin/sqlite` (the unversioned, handle-based Spin 1.x interface):
//! statements with parameters on the databases a component lists in
//! `sqlite_databases`.
//!
//! ```ignore
//! let conn = spin_ts_sdk::sqlite::Connection::open("default")?;
//! let rows = conn.execute("SELECT ?1 + 1", &[Value::Integer(41)])?;
//! ```

use crate::abi;
pub use crate::types::sqlite::{Error, QueryResult, RowResult, Value};

/// An open connection; closed when dropped.
#[derive(Debug)]
pub struct Connection(u32);

impl Connection {
    /// Opens the database labelled `database` (`"default"` is the app's default database).
    pub fn open(database: &str) -> Result<Connection, Error> {
        abi::sqlite_open(database).map(Connection)
    }

    /// Runs one statement with positional parameters (`?`, `?1`, …).
    pub fn execute(&self, statement: &str, parameters: &[Value]) -> Result<QueryResult, Error> {
        abi::sqlite_execute(self.0, statement, parameters)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        abi::sqlite_close(self.0);
    }
}
