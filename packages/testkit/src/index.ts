export { type MockModel, type MockModelOptions, startMockModel } from '@iochain/core/mock'
