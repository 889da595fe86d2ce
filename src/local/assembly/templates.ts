import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AssemblyError } from './errors.js';
import { nestedStackName } from './ids.js';

/** The parts of a CloudFormation template the loader reads. */
export interface Template {
  Description?: string;
  Metadata?: Record<string, unknown>;
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Conditions?: Record<string, unknown>;
  Resources?: Record<string, ResourceDef>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown }; Condition?: string }>;
}

export interface ResourceDef {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  Metadata?: Record<string, unknown>;
}

/** One stack of the assembly: the root or a nested stack, linked to its parent. */
export interface StackNode {
  /** Physical stack name (the root's is the artifact's; nested ones are generated like CloudFormation's). */
  name: string;
  /** Stable path used to derive physical ids: the root name, then nested logical ids. */
  path: string;
  /** Template file name inside the assembly (for messages). */
  file: string;
  template: Template;
  parent?: StackNode;
  /** Logical id of the AWS::CloudFormation::Stack resource in the parent. */
  logicalIdInParent?: string;
  children: Map<string, StackNode>;
}

export interface CloudAssembly {
  dir: string;
  root: StackNode;
  /** Every stack, root first, parents before children. */
  stacks: StackNode[];
  /** S3 object key of every file/zip asset (e.g. `<hash>.vtl`, `<hash>.zip`) → absolute path in the assembly. */
  assets: Map<string, string>;
}

interface Manifest {
  artifacts?: Record<string, { type: string; properties?: Record<string, unknown>; dependencies?: string[]; displayName?: string }>;
}

interface AssetManifest {
  files?: Record<string, { source: { path?: string }; destinations: Record<string, { objectKey: string }> }>;
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new AssemblyError(`Cannot read ${what} ${file}: ${(err as Error).message}`, {
      resolution: 'Synthesize the backend again (the assembly is incomplete or corrupt).',
    });
  }
}

/**
 * Reads manifest.json, the root stack template, the asset manifest and every nested template,
 * linking nested stacks through their TemplateURL's object key (the asset manifest maps it to the
 * `*.nested.template.json` file).
 */
export function readCloudAssembly(dir: string): CloudAssembly {
  const assemblyDir = path.resolve(dir);
  const manifest = readJson<Manifest>(path.join(assemblyDir, 'manifest.json'), 'cloud assembly manifest');
  const artifacts = Object.entries(manifest.artifacts ?? {});
  const stackArtifacts = artifacts.filter(([, a]) => a.type === 'aws:cloudformation:stack');
  if (stackArtifacts.length === 0) {
    throw new AssemblyError(`The cloud assembly ${assemblyDir} holds no CloudFormation stack.`, {
      resolution: 'Synthesize amplify/backend.ts (npm run synth) and point the loader at its output.',
    });
  }
  // An Amplify backend has one root stack; prefer the one carrying Amplify metadata if there are more.
  const templates = new Map<string, Template>();
  const templateOf = (id: string, file: unknown): Template => {
    if (typeof file !== 'string') throw new AssemblyError(`Stack artifact ${id} in ${assemblyDir}/manifest.json names no templateFile.`);
    if (!templates.has(file)) templates.set(file, readJson<Template>(path.join(assemblyDir, file), 'template'));
    return templates.get(file)!;
  };
  const [rootId, rootArtifact] =
    (stackArtifacts.length > 1
      ? stackArtifacts.find(([id, a]) => Object.keys(templateOf(id, a.properties?.templateFile).Metadata ?? {}).some((k) => k.startsWith('AWS::Amplify::')))
      : undefined) ?? stackArtifacts[0];
  const templateFile = rootArtifact.properties?.templateFile as string;
  const rootTemplate = templateOf(rootId, templateFile);

  const assets = new Map<string, string>();
  for (const dep of rootArtifact.dependencies ?? []) {
    const depArtifact = manifest.artifacts?.[dep];
    const file = depArtifact?.properties?.file;
    if (depArtifact?.type !== 'cdk:asset-manifest' || typeof file !== 'string') continue;
    const assetManifest = readJson<AssetManifest>(path.join(assemblyDir, file), 'asset manifest');
    for (const asset of Object.values(assetManifest.files ?? {})) {
      if (!asset.source.path) continue;
      for (const dest of Object.values(asset.destinations)) assets.set(dest.objectKey, path.join(assemblyDir, asset.source.path));
    }
  }

  const rootName = (rootArtifact.properties?.stackName as string | undefined) ?? rootArtifact.displayName ?? rootId;
  const root: StackNode = {
    name: rootName,
    path: rootName,
    file: templateFile,
    template: rootTemplate,
    children: new Map(),
  };
  const stacks: StackNode[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const stack = queue.shift()!;
    stacks.push(stack);
    for (const [logicalId, def] of Object.entries(stack.template.Resources ?? {})) {
      if (def.Type !== 'AWS::CloudFormation::Stack') continue;
      const child = linkNestedStack(assemblyDir, assets, stack, logicalId, def);
      stack.children.set(logicalId, child);
      queue.push(child);
    }
  }
  return { dir: assemblyDir, root, stacks, assets };
}

function linkNestedStack(
  assemblyDir: string,
  assets: Map<string, string>,
  parent: StackNode,
  logicalId: string,
  def: ResourceDef,
): StackNode {
  const objectKey = templateObjectKey(def.Properties?.TemplateURL);
  const file = objectKey ? assets.get(objectKey) : undefined;
  if (!file || !existsSync(file)) {
    throw new AssemblyError(
      `Nested stack ${logicalId} in stack ${parent.name} (${parent.file}): its TemplateURL names ` +
        `${objectKey ? `object ${objectKey}` : 'no object key'}, which the asset manifest does not map to a template file.`,
      { resolution: 'Synthesize the backend again; the assembly is incomplete.' },
    );
  }
  return {
    name: nestedStackName(parent.name, logicalId, `${parent.path}/${logicalId}`),
    path: `${parent.path}/${logicalId}`,
    file: path.relative(assemblyDir, file),
    template: readJson<Template>(file, 'nested template'),
    parent,
    logicalIdInParent: logicalId,
    children: new Map(),
  };
}

/** The last literal path segment of a TemplateURL (`…/<hash>.json`), whatever intrinsics build the prefix. */
function templateObjectKey(url: unknown): string | undefined {
  const text = typeof url === 'string' ? url : JSON.stringify(url ?? '');
  const match = /([0-9a-f]{64}\.json)/.exec(text);
  return match?.[1];
}
