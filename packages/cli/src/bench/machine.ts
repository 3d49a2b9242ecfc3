import { cpus, loadavg, platform, release, totalmem } from 'node:os'

/** Where the figures were taken: they mean little without it. */
export interface MachineInfo {
  cpu: string
  cores: number
  memoryGB: number
  os: string
  node: string
  /** One-minute load average when the run started; high means the machine was shared. */
  loadAverage: number
  date: string
}

export function describeMachine(now: Date = new Date()): MachineInfo {
  const list = cpus()
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGB: Math.round(totalmem() / 1024 ** 3),
    os: `${platform()} ${release()}`,
    node: process.version,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    date: now.toISOString(),
  }
}
