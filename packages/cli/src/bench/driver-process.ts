import { drivePaced, driveSequential } from './drive-requests.ts'
import { driveSaturation } from './drive-saturation.ts'
import { driveStreams } from './drive-streams.ts'
import { serveCommands } from './ipc.ts'
import { closePools } from './pools.ts'

// The load generator runs in its own process, so its work never shares an event loop with the
// process under measurement.
serveCommands(null, {
  sequential: driveSequential,
  paced: drivePaced,
  saturation: driveSaturation,
  streams: driveStreams,
  closePools,
})
