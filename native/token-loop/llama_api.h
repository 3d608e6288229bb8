// The libllama functions this addon calls, taken from the libllama node-llama-cpp has loaded
// (found among the loaded objects, never loaded afresh: its CPU, CUDA and Vulkan builds have
// different file names, and a second copy would not know node-llama-cpp's backends).
#pragma once

#include <string>

#include "llama.h"

#define SPIN_LLAMA_FUNCTIONS(X) \
  X(llama_batch_free) \
  X(llama_batch_init) \
  X(llama_decode) \
  X(llama_get_logits_ith) \
  X(llama_get_model) \
  X(llama_get_sampled_candidates_ith) \
  X(llama_get_sampled_logits_count_ith) \
  X(llama_get_sampled_logits_ith) \
  X(llama_get_sampled_probs_count_ith) \
  X(llama_get_sampled_probs_ith) \
  X(llama_model_get_vocab) \
  X(llama_n_batch) \
  X(llama_n_ctx) \
  X(llama_n_seq_max) \
  X(llama_sampler_accept) \
  X(llama_sampler_apply) \
  X(llama_sampler_chain_add) \
  X(llama_sampler_chain_default_params) \
  X(llama_sampler_chain_init) \
  X(llama_sampler_free) \
  X(llama_sampler_init_dist) \
  X(llama_sampler_init_grammar) \
  X(llama_sampler_init_greedy) \
  X(llama_sampler_init_logit_bias) \
  X(llama_sampler_init_min_p) \
  X(llama_sampler_init_penalties) \
  X(llama_sampler_init_temp) \
  X(llama_sampler_init_top_k) \
  X(llama_sampler_init_top_p) \
  X(llama_vocab_is_eog) \
  X(llama_vocab_n_tokens) \

struct LlamaApi {
#define SPIN_LLAMA_MEMBER(name) decltype(&::name) name = nullptr;
  SPIN_LLAMA_FUNCTIONS(SPIN_LLAMA_MEMBER)
#undef SPIN_LLAMA_MEMBER
};

// Fills `api` from the loaded libllama; false with `error` set when there is none, several, or a function is missing.
bool loadLlamaApi(LlamaApi& api, std::string& error);
