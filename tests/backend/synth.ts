import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CfnElement, NestedStack, Stack, Validations, type App, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

// cdk-nag is a CommonJS (jsii) package whose named exports Node's ESM loader cannot detect.
const { AwsSolutionsChecks } = createRequire(import.meta.url)('cdk-nag') as typeof import('cdk-nag');

export type BackendType = 'sandbox' | 'branch';
export type Backend = (typeof import('../../amplify/backend.js'))['backend'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CloudFormation JSON is untyped
export type Json = any;

export interface CfnTemplate {
  Parameters?: Record<string, Json>;
  Resources: Record<string, { Type: string; Properties?: Json; DependsOn?: string | string[]; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
  Outputs?: Record<string, { Value: Json }>;
}

export interface StackTemplate {
  stack: Stack;
  /** The construct id: `auth`, `data`, `push`, … for Amplify's groups, `Post`, `Comment`, … inside data. */
  id: string;
  file: string;
  json: CfnTemplate;
  parent?: StackTemplate;
  /** Logical id of the AWS::CloudFormation::Stack resource for this stack in its parent. */
  logicalIdInParent?: string;
}

export interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
}

export interface SynthesizedBackend {
  type: BackendType;
  backend: Backend;
  app: App;
  assemblyDir: string;
  stacks: StackTemplate[];
  root: StackTemplate;
  /** Console output written while the backend was defined and synthesized (warnings, notes). */
  console: string[];
  /** Annotations (warnings/errors) recorded on the stack artifacts. */
  messages: { level: string; path: string; text: string }[];
  /** CDK's policy validation report (includes the built-in CloudFormation validation). */
  validationReport: { pluginReports: { pluginName: string; violations: Json[] }[] };
  nagReport: PolicyValidationPluginReport;
  acknowledgements: Acknowledgement[];
  stackOf(scope: IConstruct): StackTemplate;
  stackNamed(id: string): StackTemplate;
  templateOf(scope: IConstruct | StackTemplate): Template;
  /** Text of a file asset, given its S3 location (`Fn::Sub` string or plain `s3://…/<key>`). */
  assetText(s3Location: Json): string;
  /** Finds a file by name anywhere in the assembly (directory assets). */
  assemblyFile(name: string): string;
}

const CONTEXT_KEYS = {
  namespace: 'amplify-backend-namespace',
  name: 'amplify-backend-name',
  type: 'amplify-backend-type',
};

/**
 * Defines and synthesizes amplify/backend.ts in this process, the way `ampx` does, without
 * bundling functions. Call it once per test file: the backend module is evaluated once per module
 * graph, and vitest gives every test file its own.
 */
export async function synthesizeBackend(
  type: BackendType,
  opts: { name?: string; env?: Record<string, string> } = {},
): Promise<SynthesizedBackend> {
  process.env.CDK_CONTEXT_JSON = JSON.stringify({
    [CONTEXT_KEYS.namespace]: 'mobileapp',
    [CONTEXT_KEYS.name]: opts.name ?? (type === 'branch' ? 'main' : 'tester'),
    [CONTEXT_KEYS.type]: type,
    'aws:cdk:bundling-stacks': [],
  });
  const savedEnv = { ...process.env };
  Object.assign(process.env, opts.env ?? {});
  const output: string[] = [];
  const saved = { log: console.log, warn: console.warn, info: console.info, error: console.error };
  const capture = (...args: unknown[]) => void output.push(args.map(String).join(' '));
  Object.assign(console, { log: capture, warn: capture, info: capture, error: capture });
  let backend: Backend;
  let assembly;
  try {
    ({ backend } = await import('../../amplify/backend.js'));
    assembly = (backend.stack.node.root as App).synth();
  } finally {
    Object.assign(console, saved);
    for (const key of Object.keys(opts.env ?? {})) {
      if (savedEnv[key] === undefined) delete process.env[key];
      else process.env[key] = savedEnv[key];
    }
  }
  const app = backend.stack.node.root as App;
  const assemblyDir = assembly.directory;

  const stacks: StackTemplate[] = [];
  const byStack = new Map<Stack, StackTemplate>();
  const all = app.node.findAll().filter((c): c is Stack => Stack.isStack(c));
  for (const stack of all) {
    const json = JSON.parse(readFileSync(path.join(assemblyDir, stack.templateFile), 'utf8')) as CfnTemplate;
    const entry: StackTemplate = { stack, id: stack.node.id, file: stack.templateFile, json };
    stacks.push(entry);
    byStack.set(stack, entry);
  }
  for (const entry of stacks) {
    if (!NestedStack.isNestedStack(entry.stack)) continue;
    const parentStack = entry.stack.nestedStackParent!;
    entry.parent = byStack.get(parentStack);
    entry.logicalIdInParent = parentStack.resolve(entry.stack.nestedStackResource!.logicalId) as string;
  }
  const root = byStack.get(backend.stack)!;

  const messages = assembly.stacks.flatMap((s) =>
    s.messages.map((m) => ({ level: m.level, path: m.id, text: String(m.entry.data) })),
  );
  const validationReport = JSON.parse(readFileSync(path.join(assemblyDir, 'validation-report.json'), 'utf8'));
  const nagReport = new AwsSolutionsChecks().validateScope(app);
  const acknowledgements: Acknowledgement[] = [];
  for (const node of app.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        acknowledgements.push({ path: node.node.path, id, reason });
      }
    }
  }

  const stackOf = (scope: IConstruct) => byStack.get(Stack.of(scope))!;
  const stackNamed = (id: string) => {
    const found = stacks.filter((s) => s.id === id);
    if (found.length !== 1) throw new Error(`expected one stack named ${id}, found ${found.length}`);
    return found[0];
  };
  const files = listFiles(assemblyDir);
  const assemblyFile = (name: string) => {
    const found = files.filter((f) => path.basename(f) === name);
    if (found.length !== 1) throw new Error(`expected one ${name} in the assembly, found ${found.length}`);
    return readFileSync(found[0], 'utf8');
  };
  const assetText = (location: Json) => {
    const text = typeof location === 'string' ? location : JSON.stringify(location);
    const key = /\/([0-9a-f]{64}\.[a-z]+)/.exec(text)?.[1];
    if (!key) throw new Error(`not an asset location: ${text}`);
    return readFileSync(path.join(assemblyDir, `asset.${key}`), 'utf8');
  };

  return {
    type,
    backend,
    app,
    assemblyDir,
    stacks,
    root,
    console: output,
    messages,
    validationReport,
    nagReport,
    acknowledgements,
    stackOf,
    stackNamed,
    templateOf: (scope) => Template.fromJSON(('json' in scope ? scope : stackOf(scope)).json),
    assetText,
    assemblyFile,
  };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

/** All resources of a type in a template, as `[logicalId, resource]` pairs. */
export function resourcesOfType(json: CfnTemplate, type: string): [string, Json][] {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}

/**
 * Follows a value across nested stacks until it is no longer a parameter or a nested-stack
 * output: `Ref` to a parameter → the value the parent passes; `GetAtt <stack>.Outputs.X` → that
 * stack's output X. Returns the final value and the stack it lives in.
 */
export function traceValue(stacks: StackTemplate[], where: StackTemplate, value: Json): { stack: StackTemplate; value: Json } {
  for (;;) {
    if (value && typeof value === 'object' && typeof value.Ref === 'string' && where.json.Parameters?.[value.Ref] && where.parent) {
      const passed = where.parent.json.Resources[where.logicalIdInParent!]?.Properties?.Parameters?.[value.Ref];
      if (passed === undefined) return { stack: where, value };
      value = passed;
      where = where.parent;
      continue;
    }
    const getAtt = value?.['Fn::GetAtt'];
    if (Array.isArray(getAtt) && String(getAtt[1]).startsWith('Outputs.')) {
      const child = stacks.find((s) => s.parent === where && s.logicalIdInParent === getAtt[0]);
      const output = child?.json.Outputs?.[String(getAtt[1]).slice('Outputs.'.length)];
      if (!child || !output) return { stack: where, value };
      value = output.Value;
      where = child;
      continue;
    }
    return { stack: where, value };
  }
}

/**
 * Renders `Fn::Join` into one string, with quote-free placeholders for what only CloudFormation
 * knows (`{Ref:X}`, `{GetAtt:A.B}`, `{Fn::Select}`…), so JSON built with joins still parses.
 */
export function renderJoin(value: Json): string {
  if (typeof value === 'string') return value;
  if (value?.Ref) return `{Ref:${value.Ref}}`;
  if (value?.['Fn::GetAtt']) return `{GetAtt:${value['Fn::GetAtt'].join('.')}}`;
  if (value?.['Fn::Join']) return (value['Fn::Join'][1] as Json[]).map(renderJoin).join(value['Fn::Join'][0]);
  return `{${Object.keys(value ?? {}).join(',')}}`;
}

/** Every IAM statement in a template (inline role policies and policy resources), with its owner. */
export function iamStatements(json: CfnTemplate): { logicalId: string; statement: Json }[] {
  const out: { logicalId: string; statement: Json }[] = [];
  for (const [logicalId, r] of Object.entries(json.Resources)) {
    const docs: Json[] = [];
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') docs.push(r.Properties.PolicyDocument);
    if (r.Type === 'AWS::IAM::Role') for (const p of r.Properties?.Policies ?? []) docs.push(p.PolicyDocument);
    for (const doc of docs) for (const statement of doc.Statement) out.push({ logicalId, statement });
  }
  return out;
}

/** The logical id of an L1 construct, or of an L2's default child, in its own stack. */
export function logicalIdOf(construct: IConstruct): string {
  const element = CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild;
  if (!element || !CfnElement.isCfnElement(element)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(element).resolve(element.logicalId) as string;
}

export const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
