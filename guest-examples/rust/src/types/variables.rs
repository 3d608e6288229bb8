//! `fermyon:spin/variables@2.0.0`'s error: data only, so [`crate::abi`] can lift and lower it
//! without depending on [`crate::variables`], which calls `abi`.

use std::fmt;

/// `fermyon:spin/variables@2.0.0.error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VariablesError {
    /// The name is not a valid variable name.
    InvalidName(String),
    /// No variable of that name is defined.
    Undefined(String),
    /// A variables provider failed.
    Provider(String),
    /// Any other failure.
    Other(String),
}

impl fmt::Display for VariablesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VariablesError::InvalidName(m) => write!(f, "invalid variable name: {}", m),
            VariablesError::Undefined(m) => write!(f, "undefined variable: {}", m),
            VariablesError::Provider(m) => write!(f, "variables provider error: {}", m),
            VariablesError::Other(m) => write!(f, "variables error: {}", m),
        }
    }
}

impl std::error::Error for VariablesError {}
