//! `fermyon:spin/llm@2.0.0`: text inference and embeddings.

use crate::abi;
pub use crate::types::llm::{
    EmbeddingsResult, EmbeddingsUsage, Error, InferencingParams, InferencingResult, InferencingUsage,
};

/// Runs `prompt` through `model` (e.g. `"llama2-chat"`); `None` uses the
/// host's default parameters.
pub fn infer(
    model: &str,
    prompt: &str,
    params: Option<&InferencingParams>,
) -> Result<InferencingResult, Error> {
    abi::llm_infer(model, prompt, params)
}

/// Embeds each of `text` with `model` (e.g. `"all-minilm-l6-v2"`).
pub fn generate_embeddings(model: &str, text: &[&str]) -> Result<EmbeddingsResult, Error> {
    abi::llm_generate_embeddings(model, text)
}
