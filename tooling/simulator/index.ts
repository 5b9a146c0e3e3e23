// The simulator's public entry: start a local Tripletex v2 (production and test environments)
// and steer it from tests. See docs/simulator.md.
export { startSimulator } from './server.js';
export { parseFaultSpec } from './faults.js';
export { parseLatency, parseRateLimit, DEFAULT_RATE_LIMIT } from './settings.js';
export type {
  DemoTokens,
  EmployeeKind,
  EmployeeRegistration,
  EnvironmentCompanies,
  EnvironmentDemoTokens,
  EnvironmentName,
  FaultRule,
  LatencySetting,
  RateLimitSetting,
  RecordedRequest,
  RunningSimulator,
  SessionCreatePostMode,
  SimulatorInstance,
  SimulatorOptions,
  SimulatorStats,
  SimulatorTls,
} from './types.js';
