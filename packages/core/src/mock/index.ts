export { type MockModel, type MockModelOptions, startMockModel } from './mock-model.ts'
