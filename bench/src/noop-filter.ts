import type { IOFilter } from '@iochain/core'

/** Does nothing in either hook: what the chain itself costs per filter. */
export class NoopFilter implements IOFilter {
  onRequest(): void {}
  onResponse(): void {}
}
