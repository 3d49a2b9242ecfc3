export { type MockModel, type MockModelOptions, startMockModel } from '@iochain/core/mock'
export { type ExpectedRejection, expectPassed, expectRejected } from './assertions.ts'
export {
  type ConformanceOptions,
  describeFilterConformance,
  type TestRunner,
} from './conformance/describe-conformance.ts'
export { type ContextInit, createContext } from './context.ts'
export { type StartGatewayOptions, startGateway, type TestGateway } from './gateway.ts'
export {
  type MockUpstream,
  type MockUpstreamOptions,
  startMockUpstream,
} from './mock-upstream/mock-upstream.ts'
export type {
  BytesReply,
  DropReply,
  ErrorReply,
  EventsReply,
  JsonReply,
  RecordedRequest,
  UpstreamReply,
  UpstreamScript,
} from './mock-upstream/script.ts'
export {
  type ChainEntry,
  type HookError,
  type RunOptions,
  type RunResult,
  resolveEntry,
  runChain,
  runFilter,
} from './run-filter.ts'
