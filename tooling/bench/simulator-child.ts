// The benchmark's side of simulator-process.ts: start it, ask it for counters and its request
// log, start fresh rate-limit windows between passes, close it.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SimulatorStats } from '../simulator/index.js';
import type { ChildOptions, FromChild, LoggedRequest, Ready, ToChild } from './simulator-process.js';

export class SimulatorChild {
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  ready!: Ready;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static async start(options: ChildOptions): Promise<SimulatorChild> {
    const script = fileURLToPath(new URL('./simulator-process.js', import.meta.url));
    const child = fork(script, [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const sim = new SimulatorChild(child);
    try {
      sim.ready = await sim.#next((m) => ('ready' in m ? m.ready : undefined));
    } catch (error) {
      await sim.close();
      throw error;
    }
    return sim;
  }

  /** The production base URLs, for process.env (client/environments.ts reads them). */
  get env(): Ready['env'] {
    return this.ready.env;
  }

  stats(): Promise<SimulatorStats> {
    return this.#ask({ cmd: 'stats' }, (m) => ('stats' in m ? m.stats : undefined));
  }

  /** The requests logged since the `since`-th one (counted from the end of the warm-up). */
  requests(since: number): Promise<LoggedRequest[]> {
    return this.#ask({ cmd: 'requests', since }, (m) => ('requests' in m ? m.requests : undefined));
  }

  /** Starts every token pair's window afresh, so no pass inherits a window another has spent. */
  async freshWindows(): Promise<void> {
    await this.#ask({ cmd: 'fresh-windows' }, (m) => ('done' in m ? m.done : undefined));
  }

  /**
   * The request count once requests already sent have arrived: a page fetched ahead and
   * cancelled after it was sent reaches the server a moment after the run returned. Waits while
   * the count is below `expected` and still moving (a few hundred ms at most on a loaded machine).
   */
  async settledRequests(expected: number): Promise<number> {
    let count = (await this.stats()).requests;
    for (let quiet = 0; count < expected && quiet < 20; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const next = (await this.stats()).requests;
      quiet = next === count ? quiet + 1 : 0;
      count = next;
    }
    return count;
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    if (this.#child.connected) this.#child.send({ cmd: 'close' } satisfies ToChild);
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000).unref());
    if ((await Promise.race([this.#exited, timeout])) === 'timeout') this.#child.kill();
  }

  #ask<T>(message: ToChild, pick: (message: FromChild) => T | undefined): Promise<T> {
    const answer = this.#next(pick);
    this.#child.send(message);
    return answer;
  }

  /** The next message `pick` accepts; rejects if the child reports a failure or goes away first. */
  #next<T>(pick: (message: FromChild) => T | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onMessage = (message: FromChild) => {
        if ('failed' in message) return finish(() => reject(new Error(`simulator: ${message.failed}`)));
        const value = pick(message);
        if (value !== undefined) finish(() => resolve(value));
      };
      const onExit = (code: number | null) => finish(() => reject(new Error(`the simulator process exited (code ${code})`)));
      const finish = (settle: () => void) => {
        this.#child.off('message', onMessage);
        this.#child.off('exit', onExit);
        settle();
      };
      this.#child.on('message', onMessage);
      this.#child.on('exit', onExit);
    });
  }
}
