export { startMockModel, type MockModel, type MockModelOptions } from '@iochain/core/mock'
