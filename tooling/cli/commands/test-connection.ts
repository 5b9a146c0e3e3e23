import { Option, type Command } from 'commander';
import type { ActionContext } from '../../../contract/host.js';
import { loadWorkspace } from '../../host/workspace-file.js';
import { reworded, type InputWords } from '../../host/words.js';
import { addCommonOptions, withExamples, exitWhenIdle, createRuntime, loadPackFor, reportError, warnAll, type CommonOptions } from './common.js';

// flow-tripletex test-connection: the "Test connection" button of a workspace object.

interface TestConnectionOptions extends CommonOptions {
  workspace: string;
  connection: string;
  json?: boolean;
}

export function registerTestConnectionCommand(program: Command): void {
  const command = program
    .command('test-connection')
    .description("Run a workspace object's test (the Test connection button) and print its message. Exit 0 when it passes, 1 when it fails, 2 for bad usage or a bad workspace file.")
    .requiredOption('--workspace <file>', 'workspace file that holds the connection')
    .requiredOption('--connection <name>', 'name of the workspace object to test')
    .addOption(new Option('--json', 'print the whole test result as JSON on stdout'));
  withExamples(command, [
    ['the demo connection (with the simulator\'s variables exported)', 'flow-tripletex test-connection --workspace examples/demo.workspace.json --connection "Demo company"'],
    ['the whole answer, with an accountant\'s client companies', 'flow-tripletex test-connection --workspace examples/demo.workspace.json --connection "Accounting office" --json'],
  ]);
  addCommonOptions(command).action(async (options: TestConnectionOptions) => {
    exitWhenIdle(await testConnectionCommand(options));
  });
}

/** How a workspace file names a connection's properties. */
export function workspaceFileWords(file: string): InputWords {
  return {
    input: (name) => `"${name}"`,
    on: (name) => `set "${name}": true in ${file}`,
    off: (name) => `set "${name}": false in ${file}`,
    query: (entries) => entries.map(([key, value]) => `${key}=${value}`).join('&'),
  };
}

export async function testConnectionCommand(options: TestConnectionOptions): Promise<number> {
  const runtime = createRuntime(options);
  try {
    const pack = await loadPackFor(options);
    const workspace = await loadWorkspace(options.workspace, pack, runtime.redactor);
    warnAll(runtime.log, workspace.warnings);
    const object = workspace.resolve(options.connection, { env: process.env, redactor: runtime.redactor });
    const module = await object.objectType.load();
    const ctx: ActionContext = { signal: runtime.signal, log: runtime.log.child(object.entry.name), emit: async () => undefined };
    let result: { ok: boolean; message: string; [key: string]: unknown };
    try {
      result = await module.test(object.properties, ctx);
    } catch (error) {
      // The contract says a test never throws; if one does, it is a failed test all the same.
      result = { ok: false, message: `The test could not run: ${(error as Error)?.message ?? String(error)}` };
    }
    const ok = result?.ok === true;
    if (options.json) process.stdout.write(runtime.redactor.stringify(result, 2) + '\n');
    else {
      // Advice names the workspace file's properties, which is where this connection is changed.
      const message = reworded(String(result?.message ?? '(no message)'), result, workspaceFileWords(workspace.label));
      process.stdout.write(runtime.redactor.redact(`${ok ? 'PASS' : 'FAIL'} ${object.entry.name}: ${message}`) + '\n');
    }
    return ok ? 0 : 1;
  } catch (error) {
    return reportError(error, { json: options.json });
  } finally {
    runtime.dispose();
  }
}
