import { describe, expect, it } from 'vitest'
import type { Endpoint } from '../src/filter.ts'
import { StreamTap } from '../src/stream/stream-tap.ts'

/** SSE text for events given as payloads (objects become JSON) with optional `event:` names. */
function sse(events: Array<object | string | [string, object]>): string {
  return events
    .map((e) => {
      if (Array.isArray(e)) return `event: ${e[0]}\ndata: ${JSON.stringify(e[1])}\n\n`
      return `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`
    })
    .join('')
}

function aggregate(endpoint: Endpoint, text: string) {
  const tap = new StreamTap(endpoint)
  tap.push(Buffer.from(text))
  tap.end()
  return { tap, agg: tap.aggregator, body: tap.aggregator.result() as any }
}

const chunk = (choices: object[], extra: object = {}) => ({
  id: 'c1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices,
  ...extra,
})

describe('chat stream aggregation', () => {
  it('takes the last usage object and never sums usage sent on every chunk', () => {
    const usage = (n: number) => ({ prompt_tokens: 4, completion_tokens: n, total_tokens: 4 + n })
    const { agg, body } = aggregate(
      'completions',
      sse([
        { choices: [{ index: 0, text: 'a' }], usage: usage(0) },
        { choices: [{ index: 0, text: 'b' }], usage: usage(0) },
        { choices: [{ index: 0, text: '', finish_reason: 'stop' }], usage: usage(2) },
        '[DONE]',
      ]),
    )
    expect(agg.usage).toEqual(usage(2))
    expect(body.usage).toEqual(usage(2))
    expect(body.choices[0]).toMatchObject({ text: 'ab', finish_reason: 'stop' })
  })

  it('reports usage as null when the upstream sent none', () => {
    const { agg, body } = aggregate(
      'chat.completions',
      sse([chunk([{ index: 0, delta: { content: 'x' } }], { usage: null }), '[DONE]']),
    )
    expect(agg.usage).toBeNull()
    expect(body.usage).toBeNull()
  })

  it('joins tool calls by index without letting later nulls overwrite id and name', () => {
    const call = (index: number, id: string | null, name: string | null, args: string) => ({
      index,
      id,
      type: 'function',
      function: { name, arguments: args },
    })
    const { body } = aggregate(
      'chat.completions',
      sse([
        chunk([{ index: 0, delta: { role: 'assistant', content: null } }]),
        chunk([{ index: 0, delta: { tool_calls: [call(1, 'b', 'time', '{"tz"')] } }]),
        chunk([{ index: 0, delta: { tool_calls: [call(0, 'a', 'weather', '{"city"')] } }]),
        chunk([{ index: 0, delta: { tool_calls: [call(0, null, null, ': "Oslo"}')] } }]),
        chunk([
          { index: 0, delta: { tool_calls: [{ index: 1, function: { arguments: ': 1}' } }] } },
        ]),
        chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
        '[DONE]',
      ]),
    )
    expect(body.choices[0].message).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'a', type: 'function', function: { name: 'weather', arguments: '{"city": "Oslo"}' } },
        { id: 'b', type: 'function', function: { name: 'time', arguments: '{"tz": 1}' } },
      ],
    })
    expect(body.choices[0].finish_reason).toBe('tool_calls')
  })

  it('keeps every choice of n > 1 by its index, whatever order they finish in', () => {
    const { body } = aggregate(
      'chat.completions',
      sse([
        chunk([{ index: 1, delta: { content: 'B' } }]),
        chunk([{ index: 0, delta: { content: 'A' } }]),
        chunk([{ index: 1, delta: {}, finish_reason: 'length' }]),
        chunk([{ index: 0, delta: { content: 'a' }, finish_reason: 'stop' }]),
        '[DONE]',
      ]),
    )
    expect(body.choices.map((c: any) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, 'Aa', 'stop'],
      [1, 'B', 'length'],
    ])
  })

  it('keeps reasoning apart from the answer, whichever field name carried it', () => {
    for (const field of ['reasoning_content', 'reasoning']) {
      const { body, tap } = aggregate(
        'chat.completions',
        sse([
          chunk([{ index: 0, delta: { [field]: 'think ', content: null } }]),
          chunk([{ index: 0, delta: { [field]: 'hard' } }]),
          chunk([{ index: 0, delta: { content: 'answer' }, finish_reason: 'stop' }]),
          '[DONE]',
        ]),
      )
      expect(body.choices[0].message).toEqual({
        role: 'assistant',
        content: 'answer',
        reasoning_content: 'think hard',
      })
      expect(tap.firstTokenAt).toBeDefined()
    }
  })

  it('concatenates chat logprobs and completions logprobs per key', () => {
    const lp = (token: string) => ({ token, logprob: -1, bytes: null, top_logprobs: [] })
    const chat = aggregate(
      'chat.completions',
      sse([
        chunk([
          { index: 0, delta: { content: 'a' }, logprobs: { content: [lp('a')], refusal: null } },
        ]),
        chunk([
          { index: 0, delta: { content: 'b' }, logprobs: { content: [lp('b')], refusal: null } },
        ]),
        '[DONE]',
      ]),
    )
    expect(chat.body.choices[0].logprobs).toEqual({ content: [lp('a'), lp('b')], refusal: null })

    const part = (t: string, o: number) => ({
      tokens: [t],
      token_logprobs: [-0.5],
      top_logprobs: [{ [t]: -0.5 }],
      text_offset: [o],
    })
    const text = aggregate(
      'completions',
      sse([
        { choices: [{ index: 0, text: 'x', logprobs: part('x', 0) }] },
        { choices: [{ index: 0, text: 'y', logprobs: part('y', 1), finish_reason: 'length' }] },
        '[DONE]',
      ]),
    )
    expect(text.body.choices[0].logprobs).toEqual({
      tokens: ['x', 'y'],
      token_logprobs: [-0.5, -0.5],
      top_logprobs: [{ x: -0.5 }, { y: -0.5 }],
      text_offset: [0, 1],
    })
    expect(chat.body.choices[0].message.content).toBe('ab')
  })

  it('joins the deprecated function_call the same way as tool calls', () => {
    const { body } = aggregate(
      'chat.completions',
      sse([
        chunk([{ index: 0, delta: { function_call: { name: 'f', arguments: '{"a"' } } }]),
        chunk([{ index: 0, delta: { function_call: { arguments: ':1}' } } }]),
        '[DONE]',
      ]),
    )
    expect(body.choices[0].message.function_call).toEqual({ name: 'f', arguments: '{"a":1}' })
  })

  it('records an error event, named or in the data, and what came before it', () => {
    const named = aggregate(
      'chat.completions',
      sse([chunk([{ index: 0, delta: { content: 'part' } }]), ['error', { message: 'boom' }]]),
    )
    expect(named.agg.error).toEqual({ message: 'boom' })
    expect(named.agg.done).toBe(false)
    expect(named.body.choices[0].message.content).toBe('part')

    const inData = aggregate('chat.completions', sse([{ error: { message: 'bad', code: 500 } }]))
    expect(inData.agg.error).toEqual({ message: 'bad', code: 500 })
  })

  it('skips data that is not JSON without losing the rest', () => {
    const { agg, body } = aggregate(
      'chat.completions',
      sse(['{not json', chunk([{ index: 0, delta: { content: 'ok' } }]), '[DONE]']),
    )
    expect(body.choices[0].message.content).toBe('ok')
    expect(agg.done).toBe(true)
  })
})

describe('Responses API stream aggregation', () => {
  const usage = { input_tokens: 5, output_tokens: 3, total_tokens: 8 }
  const base = { id: 'resp_1', object: 'response', model: 'm', output: [] }
  const message = { id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress' }
  const text = (delta: string) => ({
    type: 'response.output_text.delta',
    item_id: 'msg_1',
    output_index: 1,
    content_index: 0,
    delta,
  })
  const head: Array<[string, object]> = [
    [
      'response.created',
      { type: 'response.created', response: { ...base, status: 'in_progress' } },
    ],
    [
      'response.output_item.added',
      {
        type: 'response.output_item.added',
        output_index: 0,
        item: { id: 'rs_1', type: 'reasoning', summary: [] },
      },
    ],
    [
      'response.reasoning_summary_text.delta',
      {
        type: 'response.reasoning_summary_text.delta',
        output_index: 0,
        summary_index: 0,
        delta: 'Short.',
      },
    ],
    [
      'response.output_item.added',
      { type: 'response.output_item.added', output_index: 1, item: { ...message, content: [] } },
    ],
    [
      'response.content_part.added',
      {
        type: 'response.content_part.added',
        output_index: 1,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] },
      },
    ],
    ['response.output_text.delta', text('Hel')],
    ['response.output_text.delta', text('lo 👋')],
  ]

  it('takes the final response object from the terminal event, with no [DONE]', () => {
    const final = {
      ...base,
      status: 'completed',
      output: [
        { ...message, status: 'completed', content: [{ type: 'output_text', text: 'Hello 👋' }] },
      ],
      usage,
    }
    const { agg, body, tap } = aggregate(
      'responses',
      sse([...head, ['response.completed', { type: 'response.completed', response: final }]]),
    )
    expect(agg.done).toBe(true)
    expect(agg.error).toBeNull()
    expect(body).toEqual(final)
    expect(agg.usage).toEqual({ ...usage, prompt_tokens: 5, completion_tokens: 3 })
    expect(tap.firstTokenAt).toBeDefined()
  })

  it('builds the output generated so far when the stream is cut', () => {
    const { agg, body } = aggregate('responses', sse(head))
    expect(agg.done).toBe(false)
    expect(agg.usage).toBeNull()
    expect(body.status).toBe('in_progress')
    expect(body.output).toEqual([
      { id: 'rs_1', type: 'reasoning', summary: [{ text: 'Short.' }] },
      { ...message, content: [{ type: 'output_text', text: 'Hello 👋', annotations: [] }] },
    ])
  })

  it('joins function call arguments by output index', () => {
    const item = { id: 'fc_1', type: 'function_call', name: 'f', arguments: '', call_id: 'c' }
    const args = (delta: string) => ({
      type: 'response.function_call_arguments.delta',
      output_index: 0,
      delta,
    })
    const { body } = aggregate(
      'responses',
      sse([
        { type: 'response.output_item.added', output_index: 0, item },
        args('{"x"'),
        args(':2}'),
      ]),
    )
    expect(body.output).toEqual([{ ...item, arguments: '{"x":2}' }])
  })

  it('treats response.failed and error events as errors', () => {
    const failed = aggregate(
      'responses',
      sse([
        ...head,
        [
          'response.failed',
          {
            type: 'response.failed',
            response: { ...base, status: 'failed', error: { code: 'server_error', message: 'x' } },
          },
        ],
      ]),
    )
    expect(failed.agg.done).toBe(true)
    expect(failed.agg.error).toEqual({ code: 'server_error', message: 'x' })

    const error = aggregate('responses', sse([['error', { type: 'error', message: 'y' }]]))
    expect(error.agg.error).toEqual({ type: 'error', message: 'y' })
    expect(error.agg.done).toBe(false)
  })
})
