import type { ValidationStep } from '@iochain/core'
import ora, { type Ora } from 'ora'

const STEP_TEXT: Record<ValidationStep | 'find', string> = {
  find: 'Reading the config file',
  parse: 'Parsing the config file',
  schema: 'Checking the config against its schema',
  settings: 'Checking upstream, environment and pool settings',
  resolve: 'Resolving filter specs',
  construct: 'Checking options and constructing filters',
  worker: 'Loading worker filters in a worker thread',
}

/** Progress of the validation steps on stderr; silent where stderr is not a terminal. */
export interface StepSpinner {
  step(step: ValidationStep | 'find'): void
  stop(): void
}

export function createStepSpinner(stream: NodeJS.WritableStream): StepSpinner {
  const tty = stream as { isTTY?: boolean; columns?: number }
  // A terminal that reports 0 columns (a pty nobody sized, as `script` or some CI runners give)
  // makes ora 9 clear Infinity lines on each frame, so the command never ends.
  const isTTY = tty.isTTY === true && tty.columns !== 0
  let spinner: Ora | undefined
  return {
    step(step) {
      if (!isTTY) return
      spinner ??= ora({ stream, discardStdin: false })
      spinner.start(STEP_TEXT[step])
    },
    stop() {
      spinner?.stop()
    },
  }
}
