//! `fermyon:spin/llm@2.0.0`'s records and error: data only, so [`crate::abi`] can lift and lower it
//! without depending on [`crate::llm`], which calls `abi`.

use std::fmt;

/// `inferencing-params`: knobs for [`infer`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InferencingParams {
    /// Maximum number of tokens to generate.
    pub max_tokens: u32,
    /// Penalty for repeating tokens.
    pub repeat_penalty: f32,
    /// How many recent tokens the repeat penalty looks at.
    pub repeat_penalty_last_n_token_count: u32,
    /// Sampling temperature.
    pub temperature: f32,
    /// Top-k sampling.
    pub top_k: u32,
    /// Top-p (nucleus) sampling.
    pub top_p: f32,
}

impl Default for InferencingParams {
    /// Spin's documented defaults.
    fn default() -> Self {
        InferencingParams {
            max_tokens: 100,
            repeat_penalty: 1.1,
            repeat_penalty_last_n_token_count: 64,
            temperature: 0.8,
            top_k: 40,
            top_p: 0.9,
        }
    }
}

/// `inferencing-usage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct InferencingUsage {
    /// Tokens in the prompt.
    pub prompt_token_count: u32,
    /// Tokens generated.
    pub generated_token_count: u32,
}

/// `inferencing-result`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InferencingResult {
    /// The generated text.
    pub text: String,
    /// Token counts.
    pub usage: InferencingUsage,
}

/// `embeddings-usage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct EmbeddingsUsage {
    /// Tokens in all inputs.
    pub prompt_token_count: u32,
}

/// `embeddings-result`.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbeddingsResult {
    /// One vector per input text, in input order.
    pub embeddings: Vec<Vec<f32>>,
    /// Token counts.
    pub usage: EmbeddingsUsage,
}

/// `fermyon:spin/llm@2.0.0.error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The host does not serve the requested model.
    ModelNotSupported,
    /// The model failed while running.
    RuntimeError(String),
    /// The input was rejected.
    InvalidInput(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ModelNotSupported => f.write_str("model not supported"),
            Error::RuntimeError(m) => write!(f, "runtime error: {}", m),
            Error::InvalidInput(m) => write!(f, "invalid input: {}", m),
        }
    }
}

impl std::error::Error for Error {}
