export type { ChainOptions, ChainStats, HookKind, HookName, RequestVerdict } from './chain.ts'
export { IOChain, modelMatches } from './chain.ts'
export type {
  CheckConfigOptions,
  ConfigCheck,
  ConfigReport,
  FilterSummary,
  ResolvedConfig,
} from './config/check-config.ts'
export { checkConfig } from './config/check-config.ts'
export type { CheckedFilter, NormalizedEntry } from './config/check-filters.ts'
export { defineConfig } from './config/define-config.ts'
export type { GatewayFromConfigOptions } from './config/gateway-from-config.ts'
export { createGatewayFromConfig } from './config/gateway-from-config.ts'
export type { ConfigOverrides } from './config/overrides.ts'
export type {
  ConfigPath,
  ConfigProblem,
  SourcePosition,
  ValidationStep,
} from './config/problem.ts'
export { formatPath } from './config/problem.ts'
export type {
  ConfigFile,
  ConfigFormat,
  ReadConfigOptions,
  ReadConfigResult,
} from './config/read-config.ts'
export { CONFIG_SEARCH_PLACES, readConfig } from './config/read-config.ts'
export { describeProblem, resolveConfig } from './config/resolve-config.ts'
export type { FilterConfig, FilterEntryConfig, IOChainConfig } from './config/schema.ts'
export { configSchema } from './config/schema.ts'
export type {
  ClientAddress,
  ContextInit,
  IOContext,
  IOResponse,
  Outcome,
  OutcomeKind,
  Timings,
  Usage,
} from './context.ts'
export {
  CREDENTIAL_HEADERS,
  createIOContext,
  REDACTED,
  redactHeaders,
  withCredentials,
} from './context.ts'
export type { ErrorCode } from './errors.ts'
export { describeError, ErrorCodes, IOChainError, isIOChainError } from './errors.ts'
export type {
  ChainHandle,
  Endpoint,
  FilterClass,
  FilterFactory,
  FilterInit,
  FilterMatch,
  HookResult,
  IOFilter,
  ResolvedFilter,
} from './filter.ts'
export type { CloseOptions, Gateway, GatewayOptions } from './gateway/gateway.ts'
export { createGateway } from './gateway/gateway.ts'
export { openAIErrorBody } from './gateway/openai-error.ts'
export type { UpstreamOptions } from './gateway/upstream.ts'
export { importModule, resolvePackage } from './loader/import-module.ts'
export type { FilterExport, LoadedFilter, LoadFilterOptions } from './loader/load-filter.ts'
export {
  constructFilter,
  instantiateFilter,
  loadFilter,
  resolveFilterExport,
  wantsWorker,
} from './loader/load-filter.ts'
export type { ParsedSpec } from './loader/parse-spec.ts'
export { parseSpec } from './loader/parse-spec.ts'
export type { FilterEntry, LoadFiltersOptions } from './loader/resolve-filters.ts'
export { loadFilters, resolveFilter } from './loader/resolve-filters.ts'
export type { Logger, LoggerOptions } from './logger.ts'
export { createLogger, createSilentLogger } from './logger.ts'
export type { RejectionLike, RejectOptions } from './reject.ts'
export { IOFilterReject, isFilterReject } from './reject.ts'
export { StreamAggregator } from './stream/aggregate.ts'
export type { SseReaderCallbacks, SseReaderOptions, UnknownField } from './stream/sse-reader.ts'
export { SseReader } from './stream/sse-reader.ts'
export type { ChunkTimings } from './stream/stream-tap.ts'
export { StreamTap } from './stream/stream-tap.ts'
export { normalizeUsage } from './stream/usage.ts'
export type { WorkerResult, WorkerTask } from './worker/messages.ts'
export type {
  PoolCloseOptions,
  TaskLabel,
  WorkerPoolOptions,
  WorkerPoolStats,
} from './worker/pool.ts'
export { FilterPool, isWorkerQueueFull } from './worker/pool.ts'
export type { WorkerCallOptions, WorkerDispatch } from './worker/proxy.ts'
export type { ContextSnapshot } from './worker/snapshot.ts'
