#include "llama_api.h"

#include <dlfcn.h>
#include <link.h>

#include <cstring>
#include <vector>

namespace {

int collectLibllama(struct dl_phdr_info* info, size_t, void* data) {
  auto* found = static_cast<std::vector<std::string>*>(data);
  const char* name = info->dlpi_name;
  if (!name || !*name) return 0;
  const char* base = std::strrchr(name, '/');
  base = base ? base + 1 : name;
  // libllama.so, libllama.v0.5.0.so, libllama.cuda.v0.5.0.so; not libllama-common.so
  if (std::strncmp(base, "libllama.", 9) == 0 && std::strstr(base, ".so") != nullptr) found->push_back(name);
  return 0;
}

}  // namespace

bool loadLlamaApi(LlamaApi& api, std::string& error) {
  std::vector<std::string> found;
  dl_iterate_phdr(collectLibllama, &found);
  if (found.empty()) {
    error = "no libllama is loaded (node-llama-cpp must load its binary first)";
    return false;
  }
  if (found.size() > 1) {
    error = "several libllama copies are loaded: " + found[0] + ", " + found[1];
    return false;
  }
  void* handle = dlopen(found[0].c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (!handle) {
    error = "cannot open the loaded libllama " + found[0];
    return false;
  }
#define SPIN_LLAMA_LOAD(name)                                                    \
  api.name = reinterpret_cast<decltype(api.name)>(dlsym(handle, #name));         \
  if (!api.name) {                                                               \
    error = std::string("the loaded libllama has no ") + #name + " (" + found[0] + ")"; \
    return false;                                                                \
  }
  SPIN_LLAMA_FUNCTIONS(SPIN_LLAMA_LOAD)
#undef SPIN_LLAMA_LOAD
  return true;
}
