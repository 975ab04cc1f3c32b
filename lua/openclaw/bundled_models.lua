--- openclaw.bundled_models: the OpenRouter model rows shipped with openclaw.
--
-- Used when the live catalog (GET /models) has not been fetched or failed,
-- and merged under the live rows otherwise. Keys are OpenRouter API ids
-- (what goes into the request's "model" field); costs are USD per 1M
-- tokens. Data only: openclaw.models turns these rows into model facts.
--
-- Sources: OpenClaw's bundled provider catalog (openrouter/auto and the
-- Kimi rows) and the bundled fallback refs named in the user
-- documentation (openrouter/healer-alpha, openrouter/hunter-alpha, whose
-- numbers come from OpenClaw's earlier catalog).
return {
  {
    id = "openrouter/auto",
    name = "OpenRouter Auto",
    reasoning = false,
    input = { "text", "image" },
    cost = { input = 0, output = 0, cache_read = 0, cache_write = 0 },
    context_window = 200000,
    max_tokens = 8192,
  },
  {
    id = "moonshotai/kimi-k2.6",
    name = "MoonshotAI: Kimi K2.6",
    reasoning = true,
    input = { "text", "image" },
    cost = { input = 0.8, output = 3.5, cache_read = 0.2, cache_write = 0 },
    context_window = 262144,
    max_tokens = 262144,
  },
  {
    id = "moonshotai/kimi-k2.5",
    name = "MoonshotAI: Kimi K2.5",
    reasoning = true,
    input = { "text", "image" },
    cost = { input = 0.44, output = 2, cache_read = 0.22, cache_write = 0 },
    context_window = 262144,
    max_tokens = 262144,
  },
  {
    id = "openrouter/healer-alpha",
    name = "Healer Alpha",
    reasoning = true,
    input = { "text", "image" },
    cost = { input = 0, output = 0, cache_read = 0, cache_write = 0 },
    context_window = 262144,
    max_tokens = 65536,
  },
  {
    id = "openrouter/hunter-alpha",
    name = "Hunter Alpha",
    reasoning = true,
    input = { "text" },
    cost = { input = 0, output = 0, cache_read = 0, cache_write = 0 },
    context_window = 1048576,
    max_tokens = 65536,
  },
}
