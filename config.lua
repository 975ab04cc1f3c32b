-- openclaw: the shipped default configuration.
--
-- This file is the reference of every setting and its default. Do not
-- edit it: it is replaced on upgrade. Put your changes in
-- ~/.openclaw/openclaw.json (JSON5; `openclaw config set KEY VALUE` edits
-- it) or in ~/.openclaw/config.lua (Lua, same key names). Layers, lowest
-- first: this file, openclaw.json, config.lua, the environment, flags.
-- `openclaw config show` prints the effective value of every key and
-- where it came from. docs/config.md describes each key in more depth.
--
-- A key that is commented out has no default: leaving it unset has the
-- meaning given in its comment.
return {
  -- Environment variables for openclaw, applied only where the process
  -- environment does not already have them. OpenClaw's newer spelling
  -- env = { vars = { ... } } is accepted too. Example:
  --   env = { OPENROUTER_API_KEY = "sk-or-..." },
  env = {},

  agents = {
    defaults = {
      model = {
        -- Model ref tried first: "openrouter/<provider>/<model>", or
        -- "openrouter/auto" (OpenRouter picks the model).
        primary = "openrouter/auto",
        -- Model refs tried in order when the primary fails (after its
        -- retries, see failover below). Example:
        --   fallbacks = { "openrouter/moonshotai/kimi-k2.6" },
        fallbacks = {},
      },

      -- Per-model entries keyed by model ref: { alias = "short name",
      -- params = { temperature = 0.2, maxTokens = 4096,
      --            provider = { order = { "anthropic" } } } }.
      -- params.provider is OpenRouter's provider routing object (sort,
      -- only, ignore, order, allow_fallbacks, require_parameters,
      -- data_collection, quantizations, max_price, zdr, ...).
      models = {},

      -- Request params for every model (lowest precedence; model params
      -- and models.providers.openrouter.params.provider merge over it).
      params = {},

      -- Default thinking level: "off", "minimal", "low", "medium",
      -- "high", "xhigh", "adaptive" or "max". Unset: "low" for models
      -- that can reason, "off" for the others.
      -- thinkingDefault = "low",

      -- System prompt. Unset: the built-in prompt of lua/agents/default.lua.
      -- system = "Be brief.",

      -- Most tool-call rounds in one turn (model asks for tools, we run
      -- them, send the results back). 0 turns tools off.
      maxToolRounds = 8,

      -- Timeout of one model request (the whole streamed reply), in ms.
      timeoutMs = 600000,

      -- Retries and fallback timing. A retryable failure (HTTP 408, 429,
      -- 5xx, network errors) is retried up to maxRetries times, waiting
      -- initialBackoffMs, then twice as long each time up to
      -- maxBackoffMs (a server's Retry-After replaces the wait). A retry
      -- starts only if the time since the first attempt plus the wait is
      -- within retryBudgetMs; otherwise the next fallback model is tried
      -- at once. A connection not made within connectTimeoutMs counts as
      -- a failed attempt. So a failing primary reaches its first fallback
      -- within retryBudgetMs + connectTimeoutMs: 9 s with these values.
      failover = {
        maxRetries = 2,
        retryBudgetMs = 5000,
        initialBackoffMs = 500,
        maxBackoffMs = 4000,
        connectTimeoutMs = 4000,
        -- A stream that sends nothing at all for this long (OpenRouter's
        -- ": OPENROUTER PROCESSING" keep-alive comments count as data)
        -- is a failed attempt, retried or failed over like a 5xx.
        idleTimeoutMs = 30000,
      },

      -- Model of the image_generate tool. The tool is offered to models
      -- in agent turns only once a primary is set here, e.g.
      --   primary = "openrouter/google/gemini-3.1-flash-image-preview",
      -- (`openclaw image` and oc.tools.image_generate use that model when
      -- none is set). timeoutMs: per request; the tool's own timeoutMs
      -- argument wins. OpenClaw's newer name agents.defaults.mediaModels.
      -- image is accepted too and wins when both are set.
      imageGenerationModel = {
        fallbacks = {},
        timeoutMs = 180000,
      },
    },
  },

  models = {
    providers = {
      openrouter = {
        -- Base URL of the OpenRouter API. Any other URL is treated as a
        -- custom proxy: OpenRouter's attribution headers, cache markers
        -- and routing metadata are then not sent.
        baseUrl = "https://openrouter.ai/api/v1",
        -- API key. Prefer `openclaw onboard` (stores it in
        -- auth.profiles["openrouter:default"].key) or OPENROUTER_API_KEY.
        -- Order of use: auth profile, OPENROUTER_API_KEY, this key.
        -- apiKey = "sk-or-...",
        -- Provider-wide request params; params.provider is the default
        -- routing object of every OpenRouter request.
        params = {},
        -- Extra HTTP headers sent with every request.
        headers = {},
      },
    },
  },

  -- Credentials by profile id. `openclaw onboard` writes
  --   ["openrouter:default"] = { provider = "openrouter",
  --                              mode = "api_key", key = "sk-or-..." }
  -- (kept in openclaw.json, mode 0600).
  auth = {
    profiles = {},
  },

  messages = {
    -- Text-to-speech.
    tts = {
      -- When replies are spoken: "off", "always", "inbound" (when the
      -- message that started the turn was audio) or "tagged" (when the
      -- reply asks for it).
      auto = "off",
      -- Which replies: "final" (the last one of a turn) or "all".
      mode = "final",
      -- Speech provider.
      provider = "openrouter",
      providers = {
        openrouter = {
          -- Speech model (also accepted as modelId).
          model = "hexgrad/kokoro-82m",
          -- Voice (also accepted as voiceId).
          voice = "af_alloy",
          -- Audio format: "mp3" or "pcm".
          responseFormat = "mp3",
          -- Speaking speed; unset: the model's default.
          -- speed = 1.0,
          -- Key and base URL; unset: models.providers.openrouter.apiKey,
          -- then OPENROUTER_API_KEY; models.providers.openrouter.baseUrl.
          -- apiKey = "sk-or-...",
          -- baseUrl = "https://openrouter.ai/api/v1",
          -- OpenRouter routing object for speech requests.
          -- provider = { order = { "..." } },
        },
      },
    },
  },

  -- Re-read the config files while a long-running command runs (chat,
  -- run --watch); a broken edit keeps the last good config.
  reload = true,

  ui = {
    -- Colored output: "auto" (when writing to a terminal and NO_COLOR is
    -- not set), "always" or "never".
    color = "auto",
  },
}
