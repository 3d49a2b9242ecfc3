export { ApiKeyAuth, type ApiKeyAuthOptions } from './api-key-auth.ts'
export { AuditLog, type AuditLogOptions, type AuditRecord } from './audit-log.ts'
export { Metrics, type MetricsFilter, type MetricsOptions } from './metrics/metrics.ts'
export {
  countPii,
  findPii,
  PII_TYPES,
  type PiiMatch,
  type PiiType,
  redactPii,
} from './pii/patterns.ts'
export { PiiGuard, type PiiGuardOptions } from './pii/pii-guard.ts'
export { type PiiFindings, PiiScanner, type PiiScannerOptions } from './pii/pii-scanner.ts'
export { RateLimit, type RateLimitOptions } from './rate-limit/rate-limit.ts'
export { RequestLogger, type RequestLoggerOptions } from './request-logger.ts'
export { RequestPolicy, type RequestPolicyOptions } from './request-policy.ts'
export { Tracing, type TracingOptions } from './tracing.ts'
