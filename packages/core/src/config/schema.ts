import type { FromSchema } from 'json-schema-to-ts'

// The one description of a config file. ajv validates against it, the published
// `config.schema.json` is written from it, and the TypeScript types below are computed from it,
// so the three cannot disagree. It is spelled out without shared fragments because
// `isolatedDeclarations` needs the literal to be self-contained. Durations stop at 2^31 - 1 ms,
// the longest a Node timer waits: a larger one fires at once, failing every hook it guards.

/** The JSON Schema of an IOChain config file (draft-07). */
export const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'IOChain config',
  description: 'Upstream, listen address and the ordered filter chain of an IOChain gateway.',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', description: 'The JSON Schema editors use for this file.' },
    upstream: {
      type: 'object',
      description: 'The OpenAI-compatible server behind the gateway.',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: {
          type: 'string',
          pattern: '^https?://',
          description: 'Base URL as an OpenAI client takes it, e.g. http://127.0.0.1:8000/v1.',
        },
        apiKeyEnv: {
          type: 'string',
          pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
          description: 'Name of the environment variable holding the upstream API key.',
        },
        headersTimeoutMs: {
          type: 'integer',
          minimum: 1,
          maximum: 2147483647,
          description: 'Time to wait for the response headers.',
        },
        bodyTimeoutMs: {
          type: 'integer',
          minimum: 1,
          maximum: 2147483647,
          description: 'Longest silence allowed between body chunks.',
        },
        connectTimeoutMs: { type: 'integer', minimum: 1, maximum: 2147483647 },
        connections: {
          type: 'integer',
          minimum: 1,
          description: 'Keep-alive connections to the upstream.',
        },
      },
    },
    listen: {
      type: 'object',
      description: 'Where the gateway accepts clients.',
      additionalProperties: false,
      properties: {
        host: { type: 'string', minLength: 1, description: 'Address; 127.0.0.1 unless given.' },
        port: {
          type: 'integer',
          minimum: 0,
          maximum: 65535,
          description: 'Port; 8080 unless given, 0 for any free port.',
        },
      },
    },
    filters: {
      type: 'array',
      description: 'The chain, in order: a spec `module:Export`, or an entry with settings.',
      items: {
        oneOf: [
          { type: 'string', minLength: 1, description: 'A spec: `module:Export` or `module`.' },
          {
            type: 'object',
            additionalProperties: false,
            required: ['use'],
            properties: {
              use: { type: 'string', minLength: 1, description: 'The spec: `module:Export`.' },
              options: { description: 'Passed to the filter; checked by its `optionsSchema`.' },
              name: {
                type: 'string',
                minLength: 1,
                description: 'Name in logs and metrics; unique in the chain.',
              },
              blocking: {
                type: 'boolean',
                description: "Overrides the filter's own `blocking`.",
              },
              worker: {
                type: 'boolean',
                description: 'Run the hooks in a worker thread of the pool.',
              },
              timeoutMs: {
                type: 'integer',
                minimum: 1,
                maximum: 2147483647,
                description: 'Deadline of each hook.',
              },
              failMode: {
                enum: ['open', 'closed'],
                description: 'closed: a failing hook fails the request. open: it is logged.',
              },
              strict: {
                type: 'boolean',
                description: 'A failing onResponse becomes an error response where possible.',
              },
              credentials: {
                type: 'boolean',
                description: 'Let the filter see authorization, cookie and API-key headers.',
              },
              match: {
                type: 'object',
                description: 'The requests this filter applies to; all unless given.',
                additionalProperties: false,
                properties: {
                  endpoints: {
                    type: 'array',
                    minItems: 1,
                    uniqueItems: true,
                    items: { enum: ['chat.completions', 'completions', 'embeddings', 'responses'] },
                  },
                  models: {
                    type: 'array',
                    minItems: 1,
                    description: 'Model names; a trailing * matches by prefix.',
                    items: { type: 'string', minLength: 1 },
                  },
                },
              },
            },
          },
        ],
      },
    },
    workerPool: {
      type: 'object',
      description: 'The worker threads that run `worker: true` filters.',
      additionalProperties: false,
      properties: {
        minThreads: { type: 'integer', minimum: 0 },
        maxThreads: { type: 'integer', minimum: 1 },
        idleTimeoutMs: {
          type: 'integer',
          minimum: 0,
          maximum: 2147483647,
          description: 'An idle thread above minThreads ends after this long.',
        },
        maxQueue: {
          type: 'integer',
          minimum: 0,
          description: 'Hook calls waiting for a thread; more are dropped and counted.',
        },
        maxHeapMb: {
          type: 'integer',
          minimum: 1,
          description: 'Heap limit of each thread in MB; a thread that runs out is replaced.',
        },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        bodyBytes: {
          type: 'integer',
          minimum: 1,
          description: 'Largest request body accepted; 64 MiB unless given.',
        },
        bodyTimeoutMs: {
          type: 'integer',
          minimum: 1,
          maximum: 2147483647,
          description: 'Time a request body may take to arrive; 60 s unless given.',
        },
        backgroundQueue: {
          type: 'integer',
          minimum: 0,
          description: 'Background hook calls in flight; more are dropped and counted.',
        },
        backgroundTimeoutMs: {
          type: 'integer',
          minimum: 1,
          maximum: 2147483647,
          description: 'Deadline of a background hook that sets none.',
        },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      properties: {
        level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
        format: {
          enum: ['json', 'pretty'],
          description: 'json: one JSON object a line. pretty: coloured lines for a terminal.',
        },
      },
    },
  },
} as const

/** An IOChain config, as a config file or `defineConfig()` holds it. */
export type IOChainConfig = FromSchema<typeof configSchema>

/** One element of `filters`: a spec string or an entry with settings. */
export type FilterConfig = NonNullable<IOChainConfig['filters']>[number]

/** The object form of a filter in a config. */
export type FilterEntryConfig = Exclude<FilterConfig, string>
