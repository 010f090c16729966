/** The server's commands: Restart Server (and its crash count), Show Output. */
import type { Cmd, Ctx } from '../ctx';

const restartServer =
  (ctx: Ctx): Cmd =>
  async () => {
    await ctx.restartServer();
    ctx.output.appendLine('server restarted');
  };

export const serverCommands: Record<string, (ctx: Ctx) => Cmd> = {
  'iit.restartServer': restartServer,
  'iit.showOutput': (ctx) => () => ctx.output.show(),
};
