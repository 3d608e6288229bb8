//! Spin 1.x `fermyon:spin/sqlite`'s values, results and error: data only, so [`crate::abi`] can lift and lower it
//! without depending on [`crate::sqlite`], which calls `abi`.

use std::fmt;

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
