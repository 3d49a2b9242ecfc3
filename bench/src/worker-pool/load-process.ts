import autocannon from 'autocannon'
import type { LoadPlan, LoadReport } from './protocol.ts'

// The load generator, in its own process so that it never competes with the gateway's event
// loop. Non-streaming requests at a fixed overall rate through autocannon; alongside, streams on
// a timer, each timed to its first content chunk.

process.once('message', async (plan: LoadPlan) => {
  const [load, streams] = await Promise.all([runLoad(plan), runStreams(plan)])
  const report: LoadReport = { kind: 'load', ...load, streams }
  process.send!(report, () => process.disconnect())
})

async function runLoad(plan: LoadPlan): Promise<Omit<LoadReport, 'kind' | 'streams'>> {
  const result = await autocannon({
    url: `${plan.url}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body(plan.prompt, false),
    connections: plan.connections,
    overallRate: plan.rate,
    duration: plan.durationS,
  })
  return {
    requests: {
      sent: result.requests.sent,
      ok: result['2xx'],
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
      perSecond: result.requests.average,
    },
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
  }
}

async function runStreams(plan: LoadPlan): Promise<LoadReport['streams']> {
  const ttfts: number[] = []
  let failed = 0
  const pending: Promise<void>[] = []
  const end = Date.now() + plan.durationS * 1000
  const gapMs = 1000 / plan.streamRate
  while (Date.now() < end) {
    pending.push(
      timeToFirstToken(plan).then(
        (ms) => void ttfts.push(ms),
        () => void failed++,
      ),
    )
    await new Promise((resolve) => setTimeout(resolve, gapMs))
  }
  await Promise.all(pending)
  ttfts.sort((a, b) => a - b)
  return {
    count: ttfts.length,
    failed,
    ttftMs: { p50: percentile(ttfts, 50), p99: percentile(ttfts, 99) },
  }
}

async function timeToFirstToken(plan: LoadPlan): Promise<number> {
  const start = performance.now()
  const response = await fetch(`${plan.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body(plan.prompt, true),
  })
  if (!response.ok || !response.body) throw new Error(`status ${response.status}`)
  let first: number | undefined
  const decoder = new TextDecoder()
  for await (const chunk of response.body) {
    if (first === undefined && /"content":"[^"]/.test(decoder.decode(chunk))) {
      first = performance.now() - start
    }
  }
  if (first === undefined) throw new Error('the stream carried no content')
  return first
}

function body(prompt: string, stream: boolean): string {
  return JSON.stringify({
    model: 'mock-model',
    stream,
    max_tokens: 16,
    messages: [
      { role: 'system', content: 'You are a support assistant. Answer briefly.' },
      { role: 'user', content: prompt },
    ],
  })
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return Math.round(sorted[Math.max(0, index)]! * 100) / 100
}
