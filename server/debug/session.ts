/**
 * The Debug Adapter Protocol side of the debugger: a thin DebugSession that
 * maps requests onto the InterventionRuntime and its events onto DAP events
 * (the shape of microsoft/vscode-mock-debug). The same class runs on stdio
 * (`iit-studio debug-adapter`) and inline in the extension host.
 */
import path from 'node:path';
import {
  Breakpoint,
  DebugSession,
  Handles,
  InitializedEvent,
  InvalidatedEvent,
  OutputEvent,
  Scope,
  Source,
  StackFrame,
  StoppedEvent,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { IITError } from '../engine/errors';
import type { BreakpointSpec, ResolvedBreakpoint, ViewNode } from './runtime';
import { InterventionRuntime } from './runtime';
import { RUN_ALL_PAIRS, type RunAllPairsArgs } from '../protocol/debug';
import type { LaunchArgs } from './launch';

const THREAD = 1;

export interface IitLaunchArguments extends DebugProtocol.LaunchRequestArguments, LaunchArgs {}

function errorText(e: unknown): string {
  if (e instanceof IITError) return e.oneLine();
  if (e instanceof Error) return e.name === 'LaunchError' || e.name === 'Error' ? e.message : `${e.name}: ${e.message}`;
  return String(e);
}

export class IitDebugSession extends DebugSession {
  private runtime?: InterventionRuntime;
  private args?: IitLaunchArguments;
  /** Breakpoints by file, kept across restarts. */
  private readonly bps = new Map<string, BreakpointSpec[]>();
  private handles = new Handles<() => ViewNode[]>();
  /** Nodes shown under each variables reference, for setVariable. */
  private shown = new Map<number, ViewNode[]>();
  private configured!: Promise<void>;
  private configDone!: () => void;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.resetConfigured();
  }

  private resetConfigured(): void {
    this.configured = new Promise((r) => (this.configDone = r));
  }

  private fail(response: DebugProtocol.Response, e: unknown): void {
    this.sendErrorResponse(response, {
      id: 1001,
      format: '{_message}',
      variables: { _message: errorText(e) },
      showUser: true,
    });
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsStepBack: true,
      supportsRestartRequest: true,
      supportsSetVariable: true,
      supportsConditionalBreakpoints: true,
      supportsEvaluateForHovers: true,
      supportsTerminateRequest: true,
    };
    this.sendResponse(response);
  }

  private attach(rt: InterventionRuntime): void {
    this.runtime = rt;
    rt.on('stop', (reason: string, ids: number[]) => {
      this.handles = new Handles();
      this.shown.clear();
      const ev = new StoppedEvent(reason, THREAD) as DebugProtocol.StoppedEvent;
      if (ids.length) ev.body.hitBreakpointIds = ids;
      this.sendEvent(new OutputEvent(rt.describeStop(), 'console'));
      this.sendEvent(ev);
    });
    rt.on('end', () => this.sendEvent(new TerminatedEvent()));
    rt.on('output', (text: string) => this.sendEvent(new OutputEvent(text, 'console')));
    for (const [file, specs] of this.bps) rt.setBreakpoints(file, specs);
  }

  protected override async launchRequest(
    response: DebugProtocol.LaunchResponse,
    args: IitLaunchArguments,
  ): Promise<void> {
    this.args = args;
    try {
      this.attach(await InterventionRuntime.launch(args));
    } catch (e) {
      this.fail(response, e);
      return;
    }
    this.sendEvent(new InitializedEvent());
    await this.configured;
    this.sendResponse(response);
    this.runtime!.start(args.stopOnEntry ?? true);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    this.configDone();
  }

  protected override setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): void {
    const file = path.resolve(args.source.path ?? '');
    const specs = (args.breakpoints ?? []).map((b) => ({
      line: this.convertClientLineToDebugger(b.line),
      condition: b.condition,
    }));
    this.bps.set(file, specs);
    const resolved: ResolvedBreakpoint[] =
      this.runtime?.setBreakpoints(file, specs) ?? specs.map((s) => ({ id: 0, verified: false, line: s.line }));
    response.body = {
      breakpoints: resolved.map((r) => {
        const bp = new Breakpoint(r.verified, this.convertDebuggerLineToClient(r.line)) as DebugProtocol.Breakpoint;
        bp.id = r.id;
        if (r.message) bp.message = r.message;
        return bp;
      }),
    };
    this.sendResponse(response);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD, 'interchange intervention')] };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse): void {
    const frames = this.runtime?.stack() ?? [];
    response.body = {
      stackFrames: frames.map(
        (f, i) =>
          new StackFrame(
            i,
            f.name,
            new Source(path.basename(f.file), f.file),
            this.convertDebuggerLineToClient(f.line),
            1,
          ),
      ),
      totalFrames: frames.length,
    };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse): void {
    const scopes = this.runtime?.scopes() ?? [];
    response.body = {
      scopes: scopes.map(
        (s) =>
          new Scope(
            s.name,
            this.handles.create(() => s.nodes),
            false,
          ),
      ),
    };
    this.sendResponse(response);
  }

  protected override variablesRequest(
    response: DebugProtocol.VariablesResponse,
    args: DebugProtocol.VariablesArguments,
  ): void {
    const get = this.handles.get(args.variablesReference);
    const nodes = get ? get() : [];
    this.shown.set(args.variablesReference, nodes);
    response.body = {
      variables: nodes.map((n) => {
        const v: DebugProtocol.Variable = {
          name: n.name,
          value: n.value,
          variablesReference: n.children ? this.handles.create(n.children) : 0,
        };
        if (n.type) v.type = n.type;
        if (!n.set) v.presentationHint = { attributes: ['readOnly'] };
        return v;
      }),
    };
    this.sendResponse(response);
  }

  protected override async setVariableRequest(
    response: DebugProtocol.SetVariableResponse,
    args: DebugProtocol.SetVariableArguments,
  ): Promise<void> {
    const node = this.shown.get(args.variablesReference)?.find((n) => n.name === args.name);
    if (!node?.set) {
      this.fail(
        response,
        new Error(
          `${args.name} cannot be edited: edit base or source inputs, or counterfactual values (step 3 or Causal model › counterfactual)`,
        ),
      );
      return;
    }
    try {
      response.body = { value: await node.set(args.value) };
    } catch (e) {
      this.fail(response, new Error(`${args.name}: ${(e as Error).message}`));
      return;
    }
    this.sendResponse(response);
    // Later steps were re-run: every value shown may have changed.
    this.handles = new Handles();
    this.shown.clear();
    this.sendEvent(new InvalidatedEvent(['variables', 'stacks']));
  }

  protected override evaluateRequest(
    response: DebugProtocol.EvaluateResponse,
    args: DebugProtocol.EvaluateArguments,
  ): void {
    const v = this.runtime?.evaluate(args.expression);
    if (v === undefined) {
      this.fail(
        response,
        new Error(
          `${args.expression} is not a value of this step (try a variable name, base.V, source.V or counterfactual.V)`,
        ),
      );
      return;
    }
    response.body = { result: v, variablesReference: 0 };
    this.sendResponse(response);
  }

  private control(response: DebugProtocol.Response, f: (rt: InterventionRuntime) => void): void {
    this.sendResponse(response);
    if (this.runtime) f(this.runtime);
  }

  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    this.control(response, (rt) => rt.next());
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.control(response, (rt) => rt.stepIn());
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.control(response, (rt) => rt.stepOut());
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.control(response, (rt) => rt.continue());
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse): void {
    this.control(response, (rt) => rt.stepBack());
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.control(response, (rt) => rt.reverseContinue());
  }

  protected override async restartRequest(
    response: DebugProtocol.RestartResponse,
    args: DebugProtocol.RestartArguments,
  ): Promise<void> {
    const launch = { ...this.args, ...(args?.arguments as IitLaunchArguments | undefined) };
    this.runtime?.dispose();
    this.runtime = undefined;
    try {
      // The file is loaded again: edits to the experiment take effect.
      this.attach(await InterventionRuntime.launch(launch));
    } catch (e) {
      this.fail(response, e);
      return;
    }
    this.args = launch;
    this.sendResponse(response);
    this.runtime!.start(launch.stopOnEntry ?? true);
  }

  protected override async customRequest(
    command: string,
    response: DebugProtocol.Response,
    args: unknown,
  ): Promise<void> {
    if (command !== RUN_ALL_PAIRS) {
      super.customRequest(command, response, args);
      return;
    }
    if (!this.runtime) {
      this.fail(response, new Error('no intervention is loaded'));
      return;
    }
    try {
      const r = await this.runtime.runAllPairs((args ?? {}) as RunAllPairsArgs);
      response.body = r;
      const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
      const lines = [
        `IIA of ${r.variable} on split ${r.split}: ${pct(r.iia)} (${r.matches} of ${r.pairs} ${r.exact ? 'ordered pairs, exact' : `sampled pairs, 95% interval ${pct(r.interval![0])}–${pct(r.interval![1])}`})`,
        ...r.mismatches.map((m) => `  mismatch: base ${m.baseInput}, source ${m.sourceInput}`),
      ];
      this.sendEvent(new OutputEvent(lines.join('\n') + '\n', 'console'));
      this.sendResponse(response);
    } catch (e) {
      this.fail(response, e);
    }
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.runtime?.dispose();
    this.runtime = undefined;
    this.sendResponse(response);
  }
}
