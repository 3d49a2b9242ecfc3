// Writes config.schema.json from the built schema, so the file editors use is the schema ajv
// validates with. Runs after `tsc` in `build`.
import { writeFileSync } from 'node:fs'
import { configSchema } from '../dist/config/schema.js'

const target = new URL('../config.schema.json', import.meta.url)
writeFileSync(target, `${JSON.stringify(configSchema, null, 2)}\n`)
