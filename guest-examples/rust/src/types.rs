//! The data the SDK's interfaces carry (records, variants, errors), apart from the
//! functions that call the host: [`crate::abi`] lifts and lowers these, and each public
//! module (`llm`, `variables`, …) re-exports its own and calls `abi`. No module here uses
//! `abi` or a public module, so the dependency runs one way.

pub mod key_value;
pub mod llm;
pub mod outbound;
pub mod sqlite;
pub mod variables;
