//! `fermyon:spin/variables@2.0.0`: application variables.

use crate::abi;
pub use crate::types::variables::VariablesError;

/// Reads the variable `name`.
pub fn get(name: &str) -> Result<String, VariablesError> {
    abi::variables_get(name)
}
