export { startMockModel, type MockModel, type MockModelOptions } from './mock-model.ts'
