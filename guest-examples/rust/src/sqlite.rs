//! `fermyon:spin/sqlite` (the unversioned, handle-based Spin 1.x interface):
//! statements with parameters on the databases a component lists in
//! `sqlite_databases`.
//!
//! ```ignore
//! let conn = spin_ts_sdk::sqlite::Connection::open("default")?;
//! let rows = conn.execute("SELECT ?1 + 1", &[Value::Integer(41)])?;
//! ```

use std::fmt;

use crate::abi;

/// `value`: one SQLite value, as a parameter or in a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A 64-bit signed integer.
    Integer(i64),
    /// A 64-bit float.
    Real(f64),
    /// UTF-8 text.
    Text(String),
    /// Raw bytes.
    Blob(Vec<u8>),
    /// SQL NULL.
    Null,
}

/// `row-result`: the values of one row, in column order.
#[derive(Clone, Debug, PartialEq)]
pub struct RowResult {
    /// One value per column.
    pub values: Vec<Value>,
}

/// `query-result`: the column names and the rows (empty for statements that return none).
#[derive(Clone, Debug, PartialEq)]
pub struct QueryResult {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<RowResult>,
}

/// `error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// No database has that label.
    NoSuchDatabase,
    /// The component may not use that database.
    AccessDenied,
    /// The connection handle is not valid.
    InvalidConnection,
    /// The database is full.
    DatabaseFull,
    /// Anything else, with SQLite's message.
    Io(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoSuchDatabase => f.write_str("no such database"),
            Error::AccessDenied => f.write_str("access denied"),
            Error::InvalidConnection => f.write_str("invalid connection"),
            Error::DatabaseFull => f.write_str("database full"),
            Error::Io(m) => write!(f, "io: {}", m),
        }
    }
}

impl std::error::Error for Error {}

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
