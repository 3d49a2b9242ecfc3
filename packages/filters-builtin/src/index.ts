export { RequestLogger, type RequestLoggerOptions } from './request-logger.ts'
