import type { RunningSimulator } from '../simulator/index.js';

// The environment variables examples/demo.workspace.json and the example flows read, filled with
// a running simulator's URLs and demo tokens. The demo, the designer and `flow-tripletex
// simulator` all hand out these, so the example workspace works against any of them as it is.

export function demoVariables(simulator: RunningSimulator): Record<string, string> {
  const { production, test } = simulator.tokens;
  return {
    ...simulator.env,
    TRIPLETEX_CONSUMER_TOKEN: production.consumerToken,
    TRIPLETEX_EMPLOYEE_TOKEN: production.employeeTokens.employee,
    TRIPLETEX_CLERK_EMPLOYEE_TOKEN: production.employeeTokens.restricted,
    TRIPLETEX_ACCOUNTANT_EMPLOYEE_TOKEN: production.employeeTokens.accountant,
    TRIPLETEX_TEST_CONSUMER_TOKEN: test.consumerToken,
    TRIPLETEX_TEST_EMPLOYEE_TOKEN: test.employeeTokens.employee,
  };
}

/** `export NAME=value` lines a POSIX shell can paste or source (quoted only where a shell needs it). */
export function exportLines(variables: Record<string, string>): string[] {
  return Object.entries(variables).map(([name, value]) => `export ${name}=${/^[\w+/=:.@%-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`}`);
}
