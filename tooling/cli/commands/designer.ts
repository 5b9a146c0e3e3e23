import type { Command } from 'commander';
import { startDesigner, DEFAULT_SIMULATOR_SIZE } from '../../designer/server/start.js';
import { displayPath } from '../../host/display.js';
import { exitWhenIdle, reportError, untilStopSignal, wholeNumber, withExamples } from './common.js';

// flow-tripletex designer: the pack in a browser, as a Flow designer shows it (docs/designer.md).

interface DesignerOptions {
  manifest?: string;
  workspace?: string;
  flows?: string;
  outDir?: string;
  port: number;
  size: number;
}

export function registerDesignerCommand(program: Command): void {
  const command = program
    .command('designer')
    .description('Serve the designer page on 127.0.0.1: workspace connections, flows, property panels, Test connection and Run. Without --workspace it starts the Tripletex simulator and works on a copy of the examples. See docs/designer.md.')
    .option('--workspace <file>', 'workspace file to open; then no simulator is started and the pack calls the Tripletex that TRIPLETEX_PRODUCTION_URL / TRIPLETEX_TEST_URL name (default: real Tripletex)')
    .option('--flows <dir>', 'folder of *.flow.json files to show (default: the flows/ folder beside the workspace file)')
    .option('--out-dir <dir>', "folder for the files a flow's writeRowsTo/appendTo write (default: the current folder; without --workspace, out/designer/)")
    .option('--port <n>', 'port to listen on (0: any free port)', wholeNumber(0, 65535), 0)
    .option('--size <n>', 'customers in the simulated demo company (without --workspace)', wholeNumber(1, 2_000_000), DEFAULT_SIMULATOR_SIZE)
    .option('--manifest <file>', "the pack to load (default: this package's manifest.json)");
  withExamples(command, [
    ['the designer on the simulator, with a copy of the example workspace and flows (the same as npm run designer)', 'flow-tripletex designer'],
    ['your own workspace file and its flows/ folder, against the Tripletex your environment names', 'flow-tripletex designer --workspace my.workspace.json'],
  ]);
  command.action(async (options: DesignerOptions) => {
      let designer: Awaited<ReturnType<typeof startDesigner>>;
      try {
        designer = await startDesigner({
          ...(options.manifest ? { manifest: options.manifest } : {}),
          ...(options.workspace ? { workspace: options.workspace } : {}),
          ...(options.flows ? { flows: options.flows } : {}),
          ...(options.outDir ? { outDir: options.outDir } : {}),
          port: options.port,
          simulatorSize: options.size,
        });
      } catch (error) {
        exitWhenIdle(reportError(error));
        return;
      }
      const lines = [`flow-tripletex designer: open ${designer.url}`, ''];
      lines.push(`  Workspace: ${displayPath(designer.workspaceFile)}`);
      lines.push(`  Flows:     ${designer.flowsDir ? displayPath(designer.flowsDir) : '(none: pass --flows <dir>)'}`);
      if (designer.simulator) {
        lines.push(`  Tripletex: the local simulator (production ${designer.simulator.production.url}, test ${designer.simulator.test.url}); its demo tokens are on the page.`);
        if (!options.workspace) lines.push('  This is a copy of examples/ under out/designer/: delete that folder to start again.');
      } else {
        lines.push(`  Tripletex: production ${process.env.TRIPLETEX_PRODUCTION_URL?.trim() || 'https://tripletex.no/v2'}, test ${process.env.TRIPLETEX_TEST_URL?.trim() || 'https://api-test.tripletex.tech/v2'}`);
      }
      lines.push('  The address carries an access token for this launch only. Stop with Ctrl+C.', '');
      const stopped = untilStopSignal();
      process.stdout.write(lines.join('\n'));
      await stopped;
      await designer.close();
      process.stdout.write('Designer stopped.\n');
      exitWhenIdle(0);
    });
}
