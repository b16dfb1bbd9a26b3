// A folder or Hub repo holding several GGUF models (a repo of quants) cannot be opened as one:
// the open fails listing them, and the page offers each. Choosing one opens just it (with its
// shards): owner/repo/file.gguf for a Hub repo, those files of a dropped folder.
import { ggufShardNames } from '../core/model/plan-gguf.ts';
import { hubSpecFromUrl, splitHubFileSpec } from '../io/hub/hub-spec.ts';
import { editHubForm, openHubModel } from './hub-actions.ts';
import { modelEntries } from './model-entries.ts';
import { openModelFiles } from './source-actions.ts';
import { useStudio } from './store.ts';

export async function openGgufChoice(file: string): Promise<void> {
  const { source, hubForm } = useStudio.getState();
  if (source.kind === 'hub') {
    // The repo as it was opened (a pasted address already worked, so it reads again).
    editHubForm({ modelId: `${splitHubFileSpec(hubSpecFromUrl(hubForm.modelId)).model}/${file}` });
    await openHubModel();
    return;
  }
  const shards = new Set(ggufShardNames(file));
  const entries = (modelEntries() ?? []).filter((e) => shards.has(e.path.split('/').pop()!));
  await openModelFiles(entries);
}
