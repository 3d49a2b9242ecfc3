import { IOChain } from '../chain.ts'
import { ErrorCodes, IOChainError } from '../errors.ts'
import { createGateway, type Gateway } from '../gateway/gateway.ts'
import type { Logger } from '../logger.ts'
import type { ResolvedConfig } from './check-config.ts'

export interface GatewayFromConfigOptions {
  logger?: Logger
  /** The upstream when the config names none (the CLI's embedded mock model, a test's). */
  upstreamUrl?: string
}

/** The gateway a resolved config describes, not yet listening. */
export function createGatewayFromConfig(
  config: ResolvedConfig,
  options: GatewayFromConfigOptions = {},
): Gateway {
  const upstream =
    config.upstream ?? (options.upstreamUrl ? { url: options.upstreamUrl } : undefined)
  if (!upstream) {
    throw new IOChainError(
      ErrorCodes.IOC_ERR_GATEWAY_OPTIONS,
      'The config names no `upstream` and no `upstreamUrl` was given.',
    )
  }
  const chain = new IOChain(config.filters, {
    logger: options.logger,
    backgroundQueueLimit: config.limits.backgroundQueue,
    backgroundTimeoutMs: config.limits.backgroundTimeoutMs,
  })
  return createGateway({
    chain,
    upstream,
    logger: options.logger,
    limits: { bodyBytes: config.limits.bodyBytes, bodyTimeoutMs: config.limits.bodyTimeoutMs },
  })
}
