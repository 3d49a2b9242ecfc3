type Json = Record<string, unknown>

interface ToolCallState {
  index: number
  id: string | null
  type: string | null
  name: string | null
  arguments: string
}

/** One choice of a chat or completions stream, folded from its deltas. */
export interface ChoiceState {
  index: number
  role: string | null
  /** Chat `delta.content` or completions `text`; null until a chunk carried a string. */
  content: string | null
  reasoning: string | null
  /** `undefined` until a delta carried the key: OpenAI sends `refusal: null` to mean none. */
  refusal: string | null | undefined
  toolCalls: Map<number, ToolCallState>
  /** The deprecated single `function_call` of older chat servers. */
  functionCall: { name: string | null; arguments: string } | null
  finishReason: string | null
  logprobs: Json | null
  extras: Json
}

// Per-choice stop detail of SGLang (`matched_stop`) and vLLM (`stop_reason`).
const FINISH_EXTRAS = ['matched_stop', 'stop_reason']
const DELTA_FIELDS = new Set([
  'role',
  'content',
  'reasoning_content',
  'reasoning',
  'refusal',
  'tool_calls',
  'function_call',
])

export function newChoice(index: number): ChoiceState {
  return {
    index,
    role: null,
    content: null,
    reasoning: null,
    refusal: undefined,
    toolCalls: new Map(),
    functionCall: null,
    finishReason: null,
    logprobs: null,
    extras: {},
  }
}

/** Applies one streamed choice; returns true when it carried generated output. */
export function applyChoice(choice: ChoiceState, raw: Json): boolean {
  let token = false
  const delta = raw.delta
  if (isObject(delta)) token = applyDelta(choice, delta)
  if (typeof raw.text === 'string') {
    choice.content = (choice.content ?? '') + raw.text
    if (raw.text !== '') token = true
  }
  if (isObject(raw.logprobs)) choice.logprobs = foldLogprobs(choice.logprobs, raw.logprobs)
  if (typeof raw.finish_reason === 'string') {
    choice.finishReason = raw.finish_reason
    for (const key of FINISH_EXTRAS) if (key in raw) choice.extras[key] = raw[key]
  }
  return token
}

function applyDelta(choice: ChoiceState, delta: Json): boolean {
  let token = false
  // Some servers repeat `role` on every chunk; it names the message, it never starts a new one.
  if (typeof delta.role === 'string') choice.role ??= delta.role
  if (typeof delta.content === 'string') {
    choice.content = (choice.content ?? '') + delta.content
    if (delta.content !== '') token = true
  }
  const reasoning =
    typeof delta.reasoning_content === 'string' ? delta.reasoning_content : delta.reasoning
  if (typeof reasoning === 'string') {
    choice.reasoning = (choice.reasoning ?? '') + reasoning
    if (reasoning !== '') token = true
  }
  if (typeof delta.refusal === 'string') {
    choice.refusal = (choice.refusal ?? '') + delta.refusal
    if (delta.refusal !== '') token = true
  } else if (delta.refusal === null) {
    choice.refusal ??= null
  }
  if (Array.isArray(delta.tool_calls)) {
    for (const call of delta.tool_calls) if (isObject(call)) applyToolCall(choice, call)
    if (delta.tool_calls.length > 0) token = true
  }
  if (isObject(delta.function_call)) {
    applyFunctionCall(choice, delta.function_call)
    token = true
  }
  // Server extras (SGLang's `hidden_states`) belong to the choice, as in the non-streamed body.
  for (const [key, value] of Object.entries(delta)) {
    if (!DELTA_FIELDS.has(key) && value !== null && value !== undefined) choice.extras[key] = value
  }
  return token
}

// Later fragments may repeat `id`/`name` as null; only the first non-null value counts.
function applyToolCall(choice: ChoiceState, call: Json): void {
  const index = typeof call.index === 'number' ? call.index : choice.toolCalls.size
  let state = choice.toolCalls.get(index)
  if (!state) {
    state = { index, id: null, type: null, name: null, arguments: '' }
    choice.toolCalls.set(index, state)
  }
  if (typeof call.id === 'string') state.id ??= call.id
  if (typeof call.type === 'string') state.type ??= call.type
  const fn = call.function
  if (isObject(fn)) {
    if (typeof fn.name === 'string') state.name ??= fn.name
    if (typeof fn.arguments === 'string') state.arguments += fn.arguments
  }
}

function applyFunctionCall(choice: ChoiceState, fn: Json): void {
  choice.functionCall ??= { name: null, arguments: '' }
  if (typeof fn.name === 'string') choice.functionCall.name ??= fn.name
  if (typeof fn.arguments === 'string') choice.functionCall.arguments += fn.arguments
}

// Chat (`content`, `refusal`) and completions (`tokens`, `token_logprobs`, ...) logprobs both
// stream as arrays per key; concatenating per key rebuilds the non-streamed object.
function foldLogprobs(into: Json | null, add: Json): Json {
  const out: Json = into ?? {}
  for (const [key, value] of Object.entries(add)) {
    const before = out[key]
    // The arrays in `out` are our own copies, so appending in place is safe and linear.
    if (Array.isArray(value) && Array.isArray(before)) for (const item of value) before.push(item)
    else if (Array.isArray(value)) out[key] = [...value]
    else if (value !== null || !(key in out)) out[key] = value
  }
  return out
}

/** A chat choice in the shape of a non-streamed `chat.completion`. */
export function chatChoice(c: ChoiceState): Json {
  const message: Json = { role: c.role ?? 'assistant', content: c.content }
  if (c.reasoning !== null) message.reasoning_content = c.reasoning
  if (c.refusal !== undefined) message.refusal = c.refusal
  if (c.toolCalls.size > 0) {
    message.tool_calls = [...c.toolCalls.values()]
      .sort((a, b) => a.index - b.index)
      .map((t) => ({
        id: t.id,
        type: t.type ?? 'function',
        function: { name: t.name, arguments: t.arguments },
      }))
  }
  if (c.functionCall) message.function_call = { ...c.functionCall }
  return {
    index: c.index,
    message,
    logprobs: c.logprobs,
    finish_reason: c.finishReason,
    ...c.extras,
  }
}

/** A completions choice in the shape of a non-streamed `text_completion`. */
export function completionChoice(c: ChoiceState): Json {
  return {
    index: c.index,
    text: c.content ?? '',
    logprobs: c.logprobs,
    finish_reason: c.finishReason,
    ...c.extras,
  }
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
