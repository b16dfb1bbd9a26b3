// The studio's split export: files above a size the user sets are written as llama-gguf-split
// would cut them (PREFIX-00001-of-0000N.gguf, loadable by llama.cpp from the first). How many files,
// and their names, follow from the types alone: gguf-split cuts by tensor data sizes.
import { ggufContents } from '../core/export/export-gguf.ts';
import { shardFileName, splitLikeGgufSplit } from '../core/gguf/split-gguf.ts';
import type { ModelPlan, TensorTypes } from '../core/model/plan-types.ts';
import { useStudio } from './store.ts';

export function editExportSplit(patch: Partial<ReturnType<typeof useStudio.getState>['exportSplit']>): void {
  useStudio.setState((s) => ({ exportSplit: { ...s.exportSplit, ...patch } }));
}

/** The split limit in bytes when splitting is on (gguf-split's units: 1 GB = 10^9 bytes). */
export function splitLimitBytes(): number | null {
  const { enabled, gigabytes } = useStudio.getState().exportSplit;
  return enabled && Number.isFinite(gigabytes) && gigabytes > 0 ? Math.round(gigabytes * 1e9) : null;
}

/** The files of `fileName` (of these types) split at the limit; null when it fits one file (or splitting is off). */
export function plannedSplit(fileName: string, plan: ModelPlan, types: TensorTypes): { maxBytes: number; names: string[] } | null {
  const maxBytes = splitLimitBytes();
  if (maxBytes === null) return null;
  const { metadata, tensors } = ggufContents(plan, types);
  const shards = splitLikeGgufSplit(metadata, tensors, { maxBytes });
  if (shards.length < 2) return null;
  const prefix = fileName.replace(/\.gguf$/i, '');
  return { maxBytes, names: shards.map((_, i) => shardFileName(prefix, i, shards.length)) };
}
